package main

import (
	"flag"
	"fmt"

	"github.com/usctp/sctp"
)

// schedFlag is the -scheduler flag: the stream scheduler of the
// association (RFC 8260 §3): fcfs, rr, rr_pkt, prio, fb or wfq.
type schedFlag struct {
	k   sctp.StreamScheduler
	set bool
}

func (f *schedFlag) String() string {
	if !f.set {
		return ""
	}
	return f.k.String()
}

func (f *schedFlag) Set(s string) error {
	k, err := sctp.ParseStreamScheduler(s)
	if err != nil {
		return fmt.Errorf("want fcfs, rr, rr_pkt, prio, fb or wfq, got %q", s)
	}
	f.k, f.set = k, true
	return nil
}

// apply sets the scheduler on s: with id 0 the default for new
// associations (and a one-to-one socket's association).
func (f *schedFlag) apply(s *sctp.Socket) error {
	if !f.set {
		return nil
	}
	return s.SetStreamScheduler(0, f.k)
}

const schedUsage = "stream `scheduler` (RFC 8260 §3): fcfs (default), rr (round robin), rr_pkt (round robin per packet), prio, fb (fair bandwidth) or wfq (weighted fair queueing); without I-DATA it picks between whole messages"

func addSchedFlag(fs *flag.FlagSet, f *schedFlag) { fs.Var(f, "scheduler", schedUsage) }
