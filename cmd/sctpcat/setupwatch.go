package main

import (
	"sync"
	"time"
)

// setupWatch reports, for connect -v, each retransmission of the
// association setup while Dial waits. sctpcat's stack is its own, so
// during the setup every datagram it writes is an INIT — or, once the
// peer has answered (a datagram came in), a COOKIE ECHO; the watch reads
// the stack's socket counters (Stack.Stats) to see them. It ticks at
// watchTick: the report is at most that late, and nothing is guessed from
// the RFC's backoff.
type setupWatch struct {
	done  chan struct{}
	wg    sync.WaitGroup
	inits int
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
		var sent, echoes uint64
		var icmp uint64
		for {
			s, err := st.Stats()
			if err != nil {
				return
			}
			out := s.Socket.DatagramsWritten
			for ; sent < out; sent++ {
				switch {
				case s.DatagramsIn > 0 && echoes == 0:
					echoes++
					logf("INIT ACK received from %s; COOKIE ECHO sent", addr)
				case s.DatagramsIn > 0:
					echoes++
					logf("COOKIE ECHO retransmission %d to %s (UDP port %d), %.1f s after the first INIT", echoes-1, addr, udpPort, time.Since(start).Seconds())
				case w.inits == 0:
					w.inits++
					logf("INIT sent to %s (UDP port %d)", addr, udpPort)
				default:
					w.inits++
					logf("INIT retransmission %d to %s (UDP port %d): no answer %.1f s after the first INIT", w.inits-1, addr, udpPort, time.Since(start).Seconds())
				}
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
