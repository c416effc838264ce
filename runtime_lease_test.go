package sctp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The read lease (runtime_lease.go) is taken only by receives without a
// deadline, so these tests clear the Conns' deadlines and bound their waits
// themselves (awaitErr, testTimeout).

func leaseConnPair(t *testing.T) (c, s *Conn) {
	t.Helper()
	return leaseConnPairCfg(t, func(*Config) {})
}

// echo answers every message on c until Read fails.
func echo(c *Conn) {
	b := make([]byte, 70000)
	for {
		n, err := c.Read(b)
		if err != nil {
			return
		}
		if _, err := c.Write(b[:n]); err != nil {
			return
		}
	}
}

// roundTrip writes msg on c and reads the echo into b; it fails unless
// the echo is msg exactly.
func roundTrip(c *Conn, msg, b []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	n, err := c.Read(b)
	if err != nil {
		return err
	}
	if !bytes.Equal(b[:n], msg) {
		return fmt.Errorf("echo of %d bytes: got %d bytes %q", len(msg), n, b[:min(n, 40)])
	}
	return nil
}

// slowLeaseHandBack makes the reader goroutine wait a second (not
// leaseIdle) for a receive to take the lease after it yielded, so a test's
// next Read always gets it. Call before the stacks are made.
func slowLeaseHandBack(t *testing.T) {
	leaseIdleNow.Store(int64(time.Second))
	t.Cleanup(func() { leaseIdleNow.Store(int64(leaseIdle)) })
}

// leasedRead runs reads on c, the first of which blocks under the lease:
// one round trip first (s echoes one message), whose reply the reader
// goroutine delivers and then leaves the lease to c's next Read; then
// reads (nil: c.Read until it fails) runs on the same goroutine with a
// 70,000-byte buffer, and its error goes to the returned channel.
// leasedRead returns once a Read holds the lease. The caller makes the
// stacks after slowLeaseHandBack.
func leasedRead(t *testing.T, c, s *Conn, reads func(b []byte) error) <-chan error {
	t.Helper()
	errc, warm := warmedRead(c, s, reads)
	l := c.s.rq.lease
	pokeUntilLeased(t, c, s, warm, func() bool { return l.waiting.Load() == &c.s.rq.tok })
	return errc
}

// warmedRead is leasedRead without the wait for the lease: it returns at
// once, and warm is closed when the warm-up's reply was read. reads must
// read again after a Read that returned a poke (leasePoke,
// pokeUntilLeased).
func warmedRead(c, s *Conn, reads func(b []byte) error) (errc <-chan error, warm <-chan struct{}) {
	if reads == nil {
		reads = func(b []byte) error {
			for {
				if _, err := c.Read(b); err != nil {
					return err
				}
			}
		}
	}
	go func() {
		b := make([]byte, 100)
		if n, err := s.Read(b); err == nil {
			s.Write(b[:n])
		}
	}()
	ec := make(chan error, 1)
	w := make(chan struct{})
	go func() {
		b := make([]byte, 70000)
		if _, err := c.Write([]byte("warm-up")); err != nil {
			ec <- err
			return
		}
		if _, err := c.Read(b); err != nil { // the reply: the lease is ours next
			ec <- err
			return
		}
		close(w)
		ec <- reads(b)
	}()
	return ec, w
}

// leasePoke is the message pokeUntilLeased sends.
const leasePoke = "poke"

// pokeUntilLeased waits until leased() holds (a state, polled). The
// reader goroutine leaves the role to a receive only when that receive
// asked for it and has not yet taken its message (readerYield); if the
// warm-up's Read took the reply first, the next Read finds the role held
// and parks on its queue. Then a message from s (a poke) makes the reader
// goroutine deliver it and yield, and the Read after it takes the lease.
func pokeUntilLeased(t *testing.T, c, s *Conn, warm <-chan struct{}, leased func() bool) {
	t.Helper()
	l := c.s.rq.lease
	select {
	case <-warm:
	case <-time.After(testTimeout):
		t.Fatal("no reply to the warm-up")
	}
	for end := time.Now().Add(testTimeout); !leased(); {
		if time.Now().After(end) {
			t.Fatal("the receive never took the read lease")
		}
		if l.parked.Load() > 0 {
			if _, err := s.Write([]byte(leasePoke)); err != nil {
				t.Fatal(err)
			}
			for l.parked.Load() > 0 && !leased() && time.Now().Before(end) {
				runtime.Gosched()
			}
		}
		runtime.Gosched()
	}
}

// TestLeasePingPong: request/response over two stacks; the receives read
// the socket themselves (userReads on both sides) and every echo is exact.
func TestLeasePingPong(t *testing.T) {
	c, s := leaseConnPair(t)
	go echo(s)
	errc := make(chan error, 1)
	go func() {
		b := make([]byte, 4096)
		for i := range 2000 {
			if err := roundTrip(c, bytes.Repeat([]byte{byte(i)}, 1+i%2000), b); err != nil {
				errc <- fmt.Errorf("round trip %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	if err := awaitErr(t, errc, "ping-pong did not finish"); err != nil {
		t.Fatal(err)
	}
	if cl, sl := c.s.rq.lease, s.s.rq.lease; cl.userReads.Load() == 0 || sl.userReads.Load() == 0 {
		t.Fatalf("receives never read the socket themselves: client %d, server %d", cl.userReads.Load(), sl.userReads.Load())
	}
}

// TestLeaseCloseUnblocksRead: Close wakes a receive blocked in the UDP
// read under the lease.
func TestLeaseCloseUnblocksRead(t *testing.T) {
	slowLeaseHandBack(t)
	c, s := leaseConnPair(t)
	errc := leasedRead(t, c, s, nil)
	c.Close()
	if err := awaitErr(t, errc, "Close did not unblock a leased Read"); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read unblocked by Close: %v", err)
	}
}

// TestLeaseDeadlineUnblocksRead: a read deadline set while the receive is
// blocked under the lease ends it with os.ErrDeadlineExceeded, and the
// association still works afterwards.
func TestLeaseDeadlineUnblocksRead(t *testing.T) {
	slowLeaseHandBack(t)
	c, s := leaseConnPair(t)
	errc := leasedRead(t, c, s, nil)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if err := awaitErr(t, errc, "SetReadDeadline did not unblock a leased Read"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read after the deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	go echo(s)
	echoc := make(chan error, 1)
	go func() {
		if _, err := c.Write([]byte("after")); err != nil {
			echoc <- err
			return
		}
		b := make([]byte, 10)
		n, err := c.Read(b)
		if err == nil && string(b[:n]) != "after" {
			err = fmt.Errorf("got %q", b[:n])
		}
		echoc <- err
	}()
	if err := awaitErr(t, echoc, "no echo after the deadline"); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseShutdownGivesEOF: the peer's SHUTDOWN ends a receive blocked
// under the lease with io.EOF.
func TestLeaseShutdownGivesEOF(t *testing.T) {
	slowLeaseHandBack(t)
	c, s := leaseConnPair(t)
	errc := leasedRead(t, c, s, nil)
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, errc, "SHUTDOWN did not end a leased Read"); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after the peer's SHUTDOWN: %v", err)
	}
}

// TestLeaseHandBackWhenUserStops: receives read under the lease, then
// the user stops reading. Only the leaseIdle safety net makes the reader
// goroutine read the socket again; without it our stack would never see
// the peer's SHUTDOWN, never answer SHUTDOWN ACK, and the peer's
// association would not end (its Read returns io.EOF when it has).
func TestLeaseHandBackWhenUserStops(t *testing.T) {
	c, s := leaseConnPair(t)
	srv := make(chan error, 1)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := s.Read(b)
			if err == nil {
				_, err = s.Write(b[:n])
			}
			if err != nil {
				srv <- err
				return
			}
			if string(b[:n]) == "last" {
				break
			}
		}
		if err := s.CloseWrite(); err != nil {
			srv <- err
			return
		}
		_, err := s.Read(b) // until the association has ended
		srv <- err
	}()
	b := make([]byte, 4096)
	// Round trips until a receive has read the socket itself (on a loaded
	// machine the first replies may all be delivered by the reader
	// goroutine: readerYield), then the last one.
	for i := 0; c.s.rq.lease.userReads.Load() == 0 && i < 1000; i++ {
		if err := roundTrip(c, []byte{byte(i)}, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := roundTrip(c, []byte("last"), b); err != nil {
		t.Fatal(err)
	}
	if c.s.rq.lease.userReads.Load() == 0 {
		t.Fatal("no receive read the socket itself in 1,000 round trips: the test needs the lease taken and released")
	}
	// c reads no more.
	if err := awaitErr(t, srv, "the peer's shutdown did not end while our user was not reading"); !errors.Is(err, io.EOF) {
		t.Fatalf("peer's Read after its shutdown: %v, want io.EOF", err)
	}
}

// TestLeaseManyReaders: eight associations on the same two stacks, each
// with its own echo and pinger goroutine: the lease passes between
// receives and the reader goroutine without losing or stalling anything.
func TestLeaseManyReaders(t *testing.T) {
	ln, cfg := listenConn(t)
	const n, rounds = 8, 300
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for k := range n {
		c, s := dialConn(t, ln, cfg)
		c.SetDeadline(time.Time{})
		s.SetDeadline(time.Time{})
		go echo(s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 2048)
			for i := range rounds {
				if err := roundTrip(c, []byte(fmt.Sprintf("conn %d round %d", k, i)), b); err != nil {
					errc <- fmt.Errorf("conn %d: %w", k, err)
					return
				}
			}
		}()
	}
	done := make(chan error, 1)
	go func() { wg.Wait(); done <- nil }()
	select {
	case err := <-errc:
		t.Fatal(err)
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("round trips did not finish")
	}
}

// TestLeaseReaderCarriesWriter: one goroutine waits in Read (holding the
// lease, nothing arrives for it) while another writes 8 MB: the SACKs that
// free the writer's send buffer are read and handled by the receive.
// Then the other direction: 64 KiB messages (read batches the reader hands
// to the loop goroutine, whose deliveries kick the leased receive).
func TestLeaseReaderCarriesWriter(t *testing.T) {
	slowLeaseHandBack(t)
	c, s := leaseConnPair(t)
	readc := leasedRead(t, c, s, func(b []byte) error {
		for i := 0; i < 100; i++ {
			n, err := c.Read(b)
			if err != nil {
				return err
			}
			if string(b[:n]) == leasePoke {
				i--
				continue
			}
			if n != 65000 || b[0] != byte(i) || b[n-1] != byte(i) {
				return fmt.Errorf("message %d: %d bytes starting %d", i, n, b[0])
			}
		}
		return nil
	})
	const total = 8 << 20
	sinkc := make(chan error, 1)
	go func() {
		b := make([]byte, 2048)
		got := 0
		for got < total {
			n, err := s.Read(b)
			if err != nil {
				sinkc <- err
				return
			}
			got += n
		}
		sinkc <- nil
	}()
	writec := make(chan error, 1)
	go func() {
		msg := make([]byte, 1200)
		for sent := 0; sent < total; sent += len(msg) {
			if _, err := c.Write(msg[:min(len(msg), total-sent)]); err != nil {
				writec <- err
				return
			}
		}
		writec <- nil
	}()
	if err := awaitErr(t, writec, "writer stalled while the receive held the lease"); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, sinkc, "the peer did not get everything"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 100 {
			if _, err := s.Write(bytes.Repeat([]byte{byte(i)}, 65000)); err != nil {
				return
			}
		}
	}()
	if err := awaitErr(t, readc, "64 KiB messages did not arrive"); err != nil {
		t.Fatal(err)
	}
}

// leaseConnPairCfg is leaseConnPair with the client's Config adjusted.
func leaseConnPairCfg(t *testing.T, adjust func(*Config)) (c, s *Conn) {
	t.Helper()
	ln, cfg := listenConn(t)
	adjust(cfg)
	c, s = dialConn(t, ln, cfg)
	c.SetDeadline(time.Time{})
	s.SetDeadline(time.Time{})
	if c.s.rq.lease == nil || s.s.rq.lease == nil {
		t.Fatal("no read lease on a udpencap stack")
	}
	return c, s
}

// TestLeaseWriterReadsSacks: a bulk sender with a small send buffer waits
// for space again and again; it reads and handles the SACKs itself
// (writeReads) although a receive on the same Conn is parked meanwhile (as
// sctpcat connect keeps one), every message arrives once, in order, and
// the parked receive gets the peer's reply.
func TestLeaseWriterReadsSacks(t *testing.T) {
	c, s := leaseConnPairCfg(t, func(cfg *Config) { cfg.SndBuf = 32 << 10 })
	const n = 20000
	replyc := make(chan error, 1)
	go func() {
		b := make([]byte, 100)
		k, err := c.Read(b)
		if err == nil && string(b[:k]) != "done" {
			err = fmt.Errorf("parked receive got %q, want \"done\"", b[:k])
		}
		replyc <- err
	}()
	for end := time.Now().Add(testTimeout); c.s.rq.lease.parked.Load() == 0; {
		if time.Now().After(end) {
			t.Fatal("the receive never parked")
		}
		runtime.Gosched()
	}
	errc := make(chan error, 2)
	go func() {
		b := make([]byte, 2000)
		for i := range n {
			k, err := s.Read(b)
			if err != nil {
				errc <- fmt.Errorf("read %d: %w", i, err)
				return
			}
			if k != 1200 || b[0] != byte(i) || b[1] != byte(i>>8) || b[k-1] != byte(i>>16) {
				errc <- fmt.Errorf("message %d: %d bytes, first %d %d last %d", i, k, b[0], b[1], b[k-1])
				return
			}
		}
		errc <- nil
	}()
	go func() {
		msg := make([]byte, 1200)
		for i := range n {
			msg[0], msg[1], msg[len(msg)-1] = byte(i), byte(i>>8), byte(i>>16)
			if _, err := c.Write(msg); err != nil {
				errc <- fmt.Errorf("write %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for range 2 {
		if err := awaitErr(t, errc, "the transfer did not finish"); err != nil {
			t.Fatal(err)
		}
	}
	if w := c.s.rq.lease.writeReads.Load(); w == 0 {
		t.Fatal("the blocked sender never read the socket itself (writeReads 0)")
	}
	if _, err := s.Write([]byte("done")); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, replyc, "the parked receive did not get the reply"); err != nil {
		t.Fatal(err)
	}
}

// waitLeaseWrite waits until a send on c is blocked reading the UDP
// socket under the lease, waiting for buffer space (a state, polled; the
// result is checked by the caller).
func waitLeaseWrite(t *testing.T, c *Conn) {
	t.Helper()
	l := c.s.rq.lease
	tok := &c.s.assoc.a.tok
	for end := time.Now().Add(testTimeout); l.waiting.Load() != tok; {
		if time.Now().After(end) {
			t.Fatal("the send never took the read lease")
		}
		runtime.Gosched()
	}
}

// blockedLeaseWriter writes 1,200-byte messages on c until Write fails
// (its error goes to the returned channel) and returns once a Write is
// blocked reading the UDP socket under the lease: c's peer does not read
// and c's send buffer is small, so the buffer fills.
func blockedLeaseWriter(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	errc := writeUntilErr(c)
	waitLeaseWrite(t, c)
	return errc
}

// writeUntilErr writes 1,200-byte messages on c until Write fails; the
// error goes to the returned channel.
func writeUntilErr(c *Conn) <-chan error {
	errc := make(chan error, 1)
	go func() {
		msg := make([]byte, 1200)
		for {
			if _, err := c.Write(msg); err != nil {
				errc <- err
				return
			}
		}
	}()
	return errc
}

// TestLeaseWriterCloseUnblocks: the peer does not read, the send buffer
// fills, and the blocked Write reads the socket under the lease; Close of
// its Conn wakes it, and Write fails instead of spinning or hanging.
func TestLeaseWriterCloseUnblocks(t *testing.T) {
	c, _ := leaseConnPairCfg(t, func(cfg *Config) { cfg.SndBuf = 16 << 10 })
	errc := blockedLeaseWriter(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, errc, "Write still blocked after Close"); err == nil {
		t.Fatal("Write after Close: no error")
	}
}

// TestLeaseWriterAbortUnblocks: the blocked Write under the lease returns
// when its association is aborted by the peer.
func TestLeaseWriterAbortUnblocks(t *testing.T) {
	c, s := leaseConnPairCfg(t, func(cfg *Config) { cfg.SndBuf = 16 << 10 })
	errc := blockedLeaseWriter(t, c)
	if _, err := s.Socket().SCTPSend([]byte("test"), &SndInfo{Flags: MSG_ABORT}); err != nil {
		t.Fatal(err)
	}
	if err := awaitErr(t, errc, "Write still blocked after the peer's ABORT"); !errors.Is(err, ErrAborted) {
		t.Fatalf("Write after the peer's ABORT: %v, want ErrAborted", err)
	}
}

// TestLeaseWriterDeadlineUnblocks: a write deadline set while the blocked
// Write reads the socket under the lease ends the Write with a timeout.
func TestLeaseWriterDeadlineUnblocks(t *testing.T) {
	c, _ := leaseConnPairCfg(t, func(cfg *Config) { cfg.SndBuf = 16 << 10 })
	errc := blockedLeaseWriter(t, c)
	if err := c.SetWriteDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	err := awaitErr(t, errc, "Write still blocked after its deadline passed")
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("Write after the deadline: %v, want a timeout", err)
	}
}

// TestLeaseIdleTimer: releases only record their time; the timer is
// armed once and, when it fires, re-armed for what is left of leaseIdle
// after the latest release, so the reader goroutine takes the role back
// only leaseIdle after the last release, without a timer reset per
// release.
func TestLeaseIdleTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l readLease
		l.wake = make(chan struct{}, 1)
		l.epoch = time.Now()
		l.timer = time.NewTimer(time.Hour)
		l.timer.Stop()
		idle := time.Duration(leaseIdleNow.Load())

		l.armIdle()
		if !l.armed.Load() {
			t.Fatal("first release did not arm the timer")
		}
		time.Sleep(idle / 2)
		l.armIdle() // a second release: no reset, only its time
		start := time.Now()
		<-l.timer.C // fires idle after the first release
		if left := l.idleLeft(); left <= 0 || left > idle/2 || !l.armed.Load() {
			t.Fatalf("after the first expiry: left %v (want (0, %v]), armed %v", left, idle/2, l.armed.Load())
		}
		<-l.timer.C // re-armed: fires idle after the second release
		if waited := time.Since(start); waited != idle {
			t.Fatalf("second expiry %v after the second release, want leaseIdle (%v)", waited, idle)
		}
		if left := l.idleLeft(); left > 0 || l.armed.Load() {
			t.Fatalf("after the second expiry: left %v, armed %v; want the role taken back", left, l.armed.Load())
		}
	})
}

// TestLeaseWakeBeforeWait: what ends a receive without a message (here
// Shutdown(SHUT_RD); also a one-to-one association's end) can happen
// after the receive looked (recvBlocked) and before it published what
// it waits for under the lease, so no kick reaches it. The receive must
// see that its queue was woken meanwhile and return at once, not block
// in the UDP read until some datagram arrives: sctpcat listen hung so,
// about once in 70 runs, after the peer's SHUTDOWN COMPLETE, when no
// datagram was ever to come.
func TestLeaseWakeBeforeWait(t *testing.T) {
	slowLeaseHandBack(t)
	c, s := leaseConnPair(t)
	l := c.s.rq.lease
	var armed, fired atomic.Bool
	var readsAtEvent atomic.Uint64
	l.testHookWait = func() {
		if armed.Load() && !fired.Swap(true) {
			// Between the receive's look and its wait: the event and
			// its wake-up, as another goroutine would make them.
			readsAtEvent.Store(l.userReads.Load())
			c.s.Shutdown(SHUT_RD)
		}
	}
	errc, warm := warmedRead(c, s, func(b []byte) error {
		armed.Store(true)
		for {
			if _, err := c.Read(b); err != nil {
				return err
			}
		}
	})
	pokeUntilLeased(t, c, s, warm, fired.Load)
	if err := awaitErr(t, errc, "a Shutdown(SHUT_RD) just before the leased read's wait left it blocked"); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after Shutdown(SHUT_RD): %v, want io.EOF", err)
	}
	if !fired.Load() {
		t.Fatal("the receive did not wait under the lease: the test did not reach the window")
	}
	// Returned on the wake-up, not on a datagram that happened to come
	// (here the peer's delayed SACK, 200 ms later).
	if n := l.userReads.Load() - readsAtEvent.Load(); n != 0 {
		t.Fatalf("the receive read %d batch(es) from the socket before it saw the Shutdown", n)
	}
}

// TestLeaseWriteDeadlineBeforeWait: the send side of
// TestLeaseWakeBeforeWait. A write deadline set after a blocked Write
// chose the lease (writeLeaseOK) and before it published its wait kicks
// nobody; the Write must see the deadline before it reads, not wait for
// the next SACK.
func TestLeaseWriteDeadlineBeforeWait(t *testing.T) {
	c, _ := leaseConnPairCfg(t, func(cfg *Config) { cfg.SndBuf = 16 << 10 })
	l := c.s.rq.lease
	var fired atomic.Bool
	var readsAtEvent atomic.Uint64
	l.testHookWait = func() {
		if !fired.Swap(true) {
			readsAtEvent.Store(l.writeReads.Load())
			c.SetWriteDeadline(time.Now().Add(-time.Second))
		}
	}
	errc := writeUntilErr(c)
	err := awaitErr(t, errc, "Write still blocked after its deadline passed")
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("Write after the deadline: %v, want a timeout", err)
	}
	if !fired.Load() {
		t.Fatal("the Write did not wait under the lease: the test did not reach the window")
	}
	if n := l.writeReads.Load() - readsAtEvent.Load(); n != 0 {
		t.Fatalf("the Write read %d batch(es) from the socket before it saw the deadline", n)
	}
}
