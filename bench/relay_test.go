package main

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestLaneDeliversInDueOrder: a held-back datagram is overtaken by the
// ones submitted after it, every datagram is delivered once, and close
// ends the lane's loop, with either clock. Only the order is asserted
// (the lateness is reported by the benchmark, never judged by a test).
func TestLaneDeliversInDueOrder(t *testing.T) {
	for _, clock := range []string{"timerfd", "go"} {
		t.Run(clock, func(t *testing.T) {
			old := *relayClockFlag
			*relayClockFlag = clock
			defer func() { *relayClockFlag = old }()

			got := make(chan byte, 8)
			l := newLane(impair{delay: time.Millisecond, reorder: 1, hold: 20 * time.Millisecond},
				rand.New(rand.NewPCG(1, 1)), func(b []byte) { got <- b[0] }, nil)
			if _, isGo := l.clock.(*goClock); clock == "timerfd" && isGo && runtime.GOOS == "linux" {
				t.Fatal("the timerfd clock fell back to the runtime timer on Linux")
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go l.run(&wg)

			l.submit(time.Now(), []byte{'A'}) // held back: due in 21 ms
			l.mu.Lock()
			l.imp.reorder = 0
			l.mu.Unlock()
			l.submit(time.Now(), []byte{'B'}) // due in 1 ms
			l.submit(time.Now(), []byte{'C'})

			var order []byte
			limit := time.After(10 * time.Second)
			for len(order) < 3 {
				select {
				case b := <-got:
					order = append(order, b)
				case <-limit:
					t.Fatalf("delivered %q after 10 s, want 3 datagrams", order)
				}
			}
			if string(order) != "BCA" {
				t.Fatalf("delivery order %q, want BCA (A was held back)", order)
			}
			if n := len(l.lateness()); n != 3 {
				t.Fatalf("lateness recorded for %d datagrams, want 3", n)
			}
			l.close()
			wg.Wait()
			select {
			case b := <-got:
				t.Fatalf("extra delivery %q", b)
			default:
			}
		})
	}
}
