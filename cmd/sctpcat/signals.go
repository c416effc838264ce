package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/usctp/sctp"
)

// signals turns SIGINT/SIGTERM into two closed channels: first (shut down
// gracefully) and second (abort). syscall.SIGTERM exists on every GOOS
// sctpcat builds for; on Windows only os.Interrupt (Ctrl-C) is delivered.
type signals struct {
	first, second chan struct{}
	ch            chan os.Signal
	done          chan struct{}
}

func watchSignals() *signals {
	s := &signals{first: make(chan struct{}), second: make(chan struct{}),
		ch: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for n := 0; n < 2; n++ {
			select {
			case <-s.ch:
			case <-s.done:
				return
			}
			if n == 0 {
				close(s.first)
			} else {
				close(s.second)
			}
		}
	}()
	return s
}

// stop restores the default signal handling.
func (s *signals) stop() {
	signal.Stop(s.ch)
	close(s.done)
}

// cancelOnFirst calls cancel, the CancelFunc of ctx, on the first signal
// (until ctx ends).
func (s *signals) cancelOnFirst(ctx context.Context, cancel context.CancelFunc) {
	go func() {
		select {
		case <-s.first:
			cancel()
		case <-ctx.Done():
		}
	}()
}

// interruptWritesOnFirst makes a first signal end a Write blocked on c
// (a write deadline in the past) until stop is called. Sends take
// context.Background() rather than a context a signal cancels: the library
// lets a send without a deadline or cancellable context read its own SACKs
// while it waits for buffer space (the write lease), which a cancellable
// context rules out.
func (s *signals) interruptWritesOnFirst(c *sctp.Conn) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-s.first:
			c.SetWriteDeadline(time.Unix(1, 0))
		case <-done:
		}
	}()
	return func() { close(done) }
}

// abortInterrupted aborts c after a second signal and says so.
func abortInterrupted(c *sctp.Conn) error {
	abort(c)
	return fmt.Errorf("%w twice: association aborted", errInterrupted)
}

// abort aborts c; the peer reads why in the ABORT's User-Initiated Abort
// cause.
func abort(c *sctp.Conn) {
	c.WriteMsg([]byte("sctpcat interrupted"), &sctp.SndInfo{Flags: sctp.MSG_ABORT})
}

func fired(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
