package sctp

import (
	"context"
	"sync"
	"time"
)

// ioDeadline is a settable deadline for one direction (read or write) of a
// socket, with the net.Conn semantics: a blocked call returns a timeout
// error as soon as the deadline passes, also when it is set (or moved
// earlier, or into the past) while the call is blocked; a zero time means
// no deadline; a deadline moved later while a call is blocked lets the
// call continue.
//
// wait returns a channel that is closed when the current deadline has
// passed. Waiters select on it together with their other channels. The
// channel stays the same while the deadline is moved around (the timer is
// re-armed), so a blocked waiter sees a new, earlier or later deadline;
// only after it has fired does set make a fresh channel.
type ioDeadline struct {
	mu    sync.Mutex
	t     time.Time
	timer *time.Timer
	ch    chan struct{} // closed when t passes; nil = no deadline ever set
}

// set sets the deadline to t (zero: none).
func (d *ioDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.t = t
	if d.ch == nil || isClosed(d.ch) {
		d.ch = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.ch)
		return
	}
	ch := d.ch
	d.timer = time.AfterFunc(dur, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		// Only close if this deadline is still the current one.
		if d.ch == ch && !isClosed(ch) && !d.t.IsZero() && !time.Now().Before(d.t) {
			close(ch)
		}
	})
}

// wait returns a channel closed when the deadline passes (never, while no
// deadline is set; a deadline set later closes it when it passes).
func (d *ioDeadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

// isSet reports whether a deadline is set.
func (d *ioDeadline) isSet() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.t.IsZero()
}

// expired reports whether the deadline is set and has passed.
func (d *ioDeadline) expired() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.t.IsZero() && !time.Now().Before(d.t)
}

// stop releases the timer.
func (d *ioDeadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// ctxErr converts the end of a context into the API's error: the context's
// own error (context.Canceled or context.DeadlineExceeded), unchanged, so
// errors.Is works with both.
func ctxErr(ctx context.Context) error {
	return context.Cause(ctx)
}
