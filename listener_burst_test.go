package sctp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// TestAcceptQueueFullDefersCookieEcho: with no room left in the accept
// queue a valid COOKIE ECHO is discarded before any state exists (no
// association, no reply, counted); its retransmission after room was
// given back creates the association (endpoint_accept.go).
func TestAcceptQueueFullDefersCookieEcho(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	tp.ep.setAcceptRoom(tp.localPort, 0)
	ack := tp.initAndGetCookie(nil)
	tp.epTag = ack.InitiateTag
	echo := &chunk.CookieEcho{Cookie: cookieOf(t, ack)}
	tp.write(tp.epTag, echo, tp.data(0, "early"))
	tp.wantIdle()
	if n := tp.ep.associations(); n != 0 {
		t.Fatalf("%d associations with a full accept queue", n)
	}
	if got := tp.ep.stats().CookieEchoDeferred; got != 1 {
		t.Fatalf("CookieEchoDeferred = %d, want 1", got)
	}
	if len(tp.events) != 0 {
		t.Fatalf("events with a full accept queue: %v", tp.events)
	}
	// Accept made room: the retransmitted COOKIE ECHO (T1-cookie, 1 s
	// later) gets in, with the DATA bundled again.
	tp.ep.addAcceptRoom(tp.localPort, 1)
	tp.advance(time.Second)
	tp.peerTSN--
	tp.write(tp.epTag, echo, tp.data(0, "early"))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	acc := tp.wantEvent(accepted{}).(accepted)
	if m, ok := acc.association().readMessage(); !ok || string(m.data) != "early" {
		t.Fatalf("bundled DATA: %q %v", m.data, ok)
	}
	// The room is spent again: the next new association waits.
	tp2 := newTestPeer(t)
	tp2.ep = tp.ep
	tp2.peerPort = 6001
	tp2.peerTag = 0x55667788
	ack2 := tp2.initAndGetCookie(nil)
	tp2.write(ack2.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack2)})
	tp2.wantIdle()
	if got := tp.ep.stats().CookieEchoDeferred; got != 2 {
		t.Fatalf("CookieEchoDeferred = %d, want 2", got)
	}
	// A port without a limit (unlisten/listen again, never set) is open.
	tp.ep.setAcceptRoom(tp.localPort, -1)
	tp2.write(ack2.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack2)})
	tp2.wantPacket(tp2.peerTag, chunk.TypeCookieAck)
}

// burstEcho runs n clients, spread over `clients` client stacks, that all
// connect at once to one listener with the given backlog, then each
// sends one message and reads its echo. The server accepts only after
// acceptAfter (virtual time) and then one association per acceptEvery,
// so a small backlog fills and must push back. Every client must get in
// (no ABORT, no failed connect) and echo within the deadline. It returns
// the server's stack statistics.
func burstEcho(t *testing.T, n, clients, backlog int, acceptAfter, acceptEvery time.Duration) StackStats {
	var st StackStats
	synctest.Test(t, func(t *testing.T) {
		net := simnet.New(1)
		net.SetDefaultLink(simnet.LinkConfig{Delay: 5 * time.Millisecond})
		srv := simRunner(t, net, "127.0.0.1:9899", runnerConfig{Rand: newSeededReader(1)})
		cls := make([]*runner, clients)
		for i := range cls {
			cls[i] = simRunner(t, net, fmt.Sprintf("127.0.1.%d:9899", i+1), runnerConfig{Rand: newSeededReader(byte(10 + i))})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // virtual time
		defer cancel()
		const port = 80
		if err := srv.listenDefaults(port, backlog); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(acceptAfter)
			for i := 0; i < n; i++ {
				h, err := srv.accept(ctx, port)
				if err != nil {
					t.Errorf("accept %d: %v", i, err)
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					d, err := nextMessage(ctx, h)
					if err != nil {
						t.Errorf("server read: %v", err)
						return
					}
					if err := h.send(ctx, outMessage{data: d.msg, stream: d.info.Stream}); err != nil {
						t.Errorf("server echo: %v", err)
					}
				}()
				if acceptEvery > 0 {
					time.Sleep(acceptEvery)
				}
			}
		}()
		errs := make(chan error, n)
		start := time.Now()
		for i := 0; i < n; i++ {
			go func() {
				c := cls[i%clients]
				h, err := c.connectWait(ctx, srv.localAddr(), port)
				if err != nil {
					errs <- fmt.Errorf("client %d connect: %w", i, err)
					return
				}
				msg := []byte(fmt.Sprintf("hello %d", i))
				if err := h.send(ctx, outMessage{data: msg}); err != nil {
					errs <- fmt.Errorf("client %d send: %w", i, err)
					return
				}
				d, err := nextMessage(ctx, h)
				if err != nil {
					errs <- fmt.Errorf("client %d read: %w", i, err)
					return
				}
				if string(d.msg) != string(msg) {
					errs <- fmt.Errorf("client %d echo %q", i, d.msg)
					return
				}
				errs <- h.abort("done")
			}()
		}
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d clients in and echoed in %v (virtual)", n, time.Since(start))
		var err error
		if st, err = srv.stats(); err != nil {
			t.Fatal(err)
		}
		cancel()
		srv.close()
		for _, c := range cls {
			c.close()
		}
	})
	return st
}

// TestListenBacklogPushBack: eight clients, a backlog of 2 and an
// application that accepts only after 3 s: the COOKIE ECHOs beyond the
// backlog are discarded and counted, the clients' T1-cookie retries get in
// as Accept makes room; none is aborted.
func TestListenBacklogPushBack(t *testing.T) {
	st := burstEcho(t, 8, 2, 2, 3*time.Second, 0)
	if st.CookiesDeferred == 0 {
		t.Fatalf("no COOKIE ECHO deferred with 8 clients and a backlog of 2: %+v", st)
	}
	t.Logf("deferred %d COOKIE ECHOs", st.CookiesDeferred)
}

// TestListenBurst1000: 1,000 clients (on 10 client stacks) connect at
// once to one listener and each echoes one message. With the default
// backlog (defaultBacklog, 1,024) nobody waits: no COOKIE ECHO is deferred.
// With a backlog of 50 and an application that accepts one association
// per millisecond after 2 s, everybody still gets in, pushed back.
// Deterministic: simnet in a synctest bubble, virtual time.
func TestListenBurst1000(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 associations")
	}
	t.Run("default-backlog", func(t *testing.T) {
		st := burstEcho(t, 1000, 10, 0, 0, 0)
		if st.CookiesDeferred != 0 {
			t.Fatalf("%d COOKIE ECHOs deferred with the default backlog", st.CookiesDeferred)
		}
		if st.AssociationsTotal != 1000 {
			t.Fatalf("%d associations, want 1000", st.AssociationsTotal)
		}
	})
	t.Run("backlog-50-slow-accept", func(t *testing.T) {
		st := burstEcho(t, 1000, 10, 50, 2*time.Second, time.Millisecond)
		if st.CookiesDeferred == 0 {
			t.Fatal("no COOKIE ECHO deferred")
		}
		if st.AssociationsTotal != 1000 {
			t.Fatalf("%d associations, want 1000", st.AssociationsTotal)
		}
		t.Logf("deferred %d COOKIE ECHOs", st.CookiesDeferred)
	})
}

// TestWaitUpEstablishedThenClosed: an association that came up and was at
// once closed by the peer (a server that accepts and closes) has both its
// up and down signals set when Dial looks; Dial succeeded (reads then see
// the end). Before, select picked either at random and Dial failed with
// "association setup failed: association closed" about once in 8,000
// Dial/Close rounds on loopback (found by sctpbench -handshakes).
func TestWaitUpEstablishedThenClosed(t *testing.T) {
	s := &Socket{closing: make(chan struct{})}
	for i := 0; i < 200; i++ {
		e := &assocEntry{up: make(chan struct{}), down: make(chan struct{}), err: ErrClosed}
		close(e.up)
		close(e.down)
		if err := s.waitUp(context.Background(), e); err != nil {
			t.Fatalf("round %d: waitUp = %v, want nil (it was established)", i, err)
		}
	}
	// Down without up is a failed setup.
	e := &assocEntry{up: make(chan struct{}), down: make(chan struct{}), err: ErrAborted}
	close(e.down)
	if err := s.waitUp(context.Background(), e); !errors.Is(err, ErrConnectFailed) {
		t.Fatalf("waitUp after a failed setup = %v, want ErrConnectFailed", err)
	}
}
