package main

import (
	"sync"
	"time"
)

// setupWatch reports, for connect -v, the INIT and each INIT
// retransmission while Dial waits. sctpcat's stack is its own and new, so
// the first datagram it writes is the INIT, and every further one written
// before any datagram came in is a retransmission of it; the watch reads
// the stack's socket counters (Stack.Stats) to see them. Once the peer
// has answered, the rest of the setup is not reported (writes in the
// same tick may be a last INIT or the COOKIE ECHO: not told apart, not
// guessed). It ticks at watchTick: a report is at most that late.
type setupWatch struct {
	done  chan struct{}
	wg    sync.WaitGroup
	inits int // INITs seen sent
}

const watchTick = 50 * time.Millisecond

func watchSetup(st *stack, addr string, udpPort uint16, logf func(string, ...any)) *setupWatch {
	w := &setupWatch{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(watchTick)
		defer t.Stop()
		start := time.Now()
		var icmp uint64
		answered := false
		for {
			s, err := st.Stats()
			if err != nil {
				return
			}
			if w.inits == 0 && s.Socket.DatagramsWritten > 0 {
				w.inits = 1
				logf("INIT sent to %s (UDP port %d)", addr, udpPort)
			}
			if !answered && s.DatagramsIn > 0 {
				answered = true
			}
			for !answered && uint64(w.inits) < s.Socket.DatagramsWritten {
				w.inits++
				logf("INIT retransmission %d to %s (UDP port %d): no answer %.1f s after the first INIT", w.inits-1, addr, udpPort, time.Since(start).Seconds())
			}
			if s.Socket.ICMPErrors > icmp {
				icmp = s.Socket.ICMPErrors
				logf("ICMP error received for datagrams to %s (UDP port %d)", addr, udpPort)
			}
			select {
			case <-t.C:
			case <-w.done:
				return
			}
		}
	}()
	return w
}

// stop ends the watch and returns the INITs it saw sent.
func (w *setupWatch) stop() int {
	if w == nil {
		return 0
	}
	close(w.done)
	w.wg.Wait()
	return w.inits
}
