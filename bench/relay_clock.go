package main

import (
	"flag"
	"time"
)

// relayClockFlag selects how a relay lane waits for its next datagram's due
// time. Go's runtime timers sleep in the netpoller with a whole-millisecond
// epoll timeout (runtime/netpoll_epoll.go), so on an otherwise idle
// process a lane's datagram left 0.4–0.5 ms late on average (p99 1 ms):
// a "2 ms" link was a 2.45 ms one, and the round trip 4.9 ms instead of 4.
// "timerfd" (Linux) arms a kernel high-resolution timer read through the
// netpoller instead; "go" keeps the runtime timer, for comparison with
// runs made before it. Each run line reports the lateness it saw.
var relayClockFlag = flag.String("relay-clock", defaultRelayClock, `lossy: how the relay waits for a datagram's due time: "timerfd" (Linux, to the microsecond) or "go" (runtime timer, whole milliseconds)`)

// laneClock wakes a lane's run loop at a due time. arm is called with the
// lane's mutex held, always for the lane's earliest due time, and replaces
// any earlier arming; wait returns once the armed time has passed (or
// spuriously), false after close.
type laneClock interface {
	arm(d time.Duration)
	wait() bool
	close()
}

// goClock is the runtime-timer clock (every OS).
type goClock struct {
	t    *time.Timer
	fire chan struct{}
	done chan struct{}
}

func newGoClock() *goClock {
	c := &goClock{fire: make(chan struct{}, 1), done: make(chan struct{})}
	c.t = time.AfterFunc(time.Hour, func() {
		select {
		case c.fire <- struct{}{}:
		default:
		}
	})
	c.t.Stop()
	return c
}

func (c *goClock) arm(d time.Duration) { c.t.Reset(max(d, 0)) }

func (c *goClock) wait() bool {
	select {
	case <-c.fire:
		return true
	case <-c.done:
		return false
	}
}

func (c *goClock) close() {
	c.t.Stop()
	close(c.done)
}

func newLaneClock() laneClock {
	if *relayClockFlag == "timerfd" {
		if c, err := newTimerfdClock(); err == nil {
			return c
		}
	}
	return newGoClock()
}
