package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/usctp/sctp"
)

// prFlag is the -prsctp flag: a PR-SCTP policy for the messages sent
// (RFC 7496): rtx:N, ttl:D or prio:N; empty or "none" is reliable.
type prFlag struct{ info sctp.PRInfo }

func (p *prFlag) String() string {
	switch p.info.Policy {
	case sctp.SCTP_PR_SCTP_RTX:
		return "rtx:" + strconv.Itoa(int(p.info.Value))
	case sctp.SCTP_PR_SCTP_TTL:
		return "ttl:" + (time.Duration(p.info.Value) * time.Millisecond).String()
	case sctp.SCTP_PR_SCTP_PRIO:
		return "prio:" + strconv.Itoa(int(p.info.Value))
	}
	return ""
}

func (p *prFlag) Set(s string) error {
	kind, val, _ := strings.Cut(s, ":")
	switch kind {
	case "", "none":
		p.info = sctp.PRInfo{}
		return nil
	case "rtx", "prio":
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return fmt.Errorf("%s:N wants a number, got %q", kind, val)
		}
		p.info = sctp.PRInfo{Policy: sctp.SCTP_PR_SCTP_RTX, Value: uint32(n)}
		if kind == "prio" {
			p.info.Policy = sctp.SCTP_PR_SCTP_PRIO
		}
		return nil
	case "ttl":
		d, err := time.ParseDuration(val)
		if err != nil || d < time.Millisecond || d/time.Millisecond > 1<<32-1 {
			return fmt.Errorf("ttl:D wants a duration of at least 1ms such as 100ms, got %q", val)
		}
		p.info = sctp.PRInfo{Policy: sctp.SCTP_PR_SCTP_TTL, Value: uint32(d / time.Millisecond)}
		return nil
	}
	return fmt.Errorf("want rtx:N, ttl:D or prio:N, got %q", s)
}

// apply sets the policy on si.
func (p *prFlag) apply(si *sctp.SndInfo) { si.PRPolicy, si.PRValue = p.info.Policy, p.info.Value }

// idataUsage describes -idata (connect, listen, perf).
const idataUsage = "offer I-DATA (RFC 8260 user message interleaving: a large message does not hold back other streams); used when the peer offers it too (-v tells)"

// idataNote is what -v adds to a connected association: whether it uses
// I-DATA.
func idataNote(c *sctp.Conn) string {
	if st, err := c.Socket().Status(c.AssocID()); err == nil && st.IData {
		return ", I-DATA"
	}
	return ""
}

const prUsage = "PR-SCTP `policy` of sent messages (RFC 7496): rtx:N (at most N retransmissions), ttl:D (lifetime, e.g. 100ms) or prio:N (0 highest); the peer must support PR-SCTP"
