package sctp

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
	"github.com/usctp/sctp/udpencap"
)

func newUDPEndpoint(t testing.TB, network, ip string) *runner {
	t.Helper()
	var laddr netip.AddrPort
	if ip != "" {
		laddr = netip.AddrPortFrom(netip.MustParseAddr(ip), 0)
	}
	e, err := newRunner(network, laddr, runnerConfig{})
	if err != nil {
		t.Fatalf("newRunner: %v", err)
	}
	t.Cleanup(func() { e.close() })
	return e
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func epPayload(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*131 + j*7)
	}
	return b
}

// nextMessage returns the next message h delivers, skipping events, or
// the error h ended with.
func nextMessage(ctx context.Context, h *assocHandle) (delivery, error) {
	for {
		d, err := h.next(ctx)
		if err != nil || d.ev == nil {
			return d, err
		}
	}
}

// eachDelivery calls f with each message and event h delivers until h
// ends, and returns the error it ended with.
func eachDelivery(ctx context.Context, h *assocHandle, f func(d delivery)) error {
	for {
		d, err := h.next(ctx)
		if err != nil {
			return err
		}
		f(d)
	}
}

// nextEnd returns the next association end error sent on ends (by
// echoServer), failing the test if none comes before ctx ends.
func nextEnd(t testing.TB, ctx context.Context, ends <-chan error) error {
	t.Helper()
	select {
	case err := <-ends:
		return err
	case <-ctx.Done():
		t.Fatal("server association did not end")
		return nil
	}
}

// onLoopbacks runs f as a subtest on 127.0.0.1 and one on ::1, the latter
// skipped where the host has no IPv6 loopback.
func onLoopbacks(t *testing.T, f func(t *testing.T, ip string)) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			if ip == "::1" && !haveIPv6Loopback() {
				t.Skip("no IPv6 loopback (::1) on this host")
			}
			f(t, ip)
		})
	}
}

// echoServer accepts on port and echoes every message on its stream with
// its PPID until the peer shuts down.
// The end error of each served association is sent on the returned channel.
func echoServer(t testing.TB, ctx context.Context, e *runner, port uint16, wg *sync.WaitGroup) <-chan error {
	ends := make(chan error, 64)
	if err := e.listenDefaults(port, 16); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			h, err := e.accept(ctx, port)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					d, err := nextMessage(ctx, h)
					if err != nil {
						ends <- err
						return
					}
					if err := h.send(ctx, outMessage{data: d.msg, stream: d.info.Stream, ppid: d.info.PPID, unordered: d.info.Flags&MSG_UNORDERED != 0}); err != nil {
						return
					}
					h.recycle(d.msg)
				}
			}()
		}
	}()
	return ends
}

func TestEndpointEchoLoopback(t *testing.T) {
	onLoopbacks(t, func(t *testing.T, ip string) {
		ctx := testCtx(t, 30*time.Second)
		srv := newUDPEndpoint(t, "udp", "")
		cli := newUDPEndpoint(t, "udp", "")
		var wg sync.WaitGroup
		ends := echoServer(t, ctx, srv, 7, &wg)
		to := netip.AddrPortFrom(netip.MustParseAddr(ip), srv.localAddr().Port())
		h, err := cli.connectWait(ctx, to, 7)
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		runEchoClient(t, ctx, h, 300, 4)
		if err := nextEnd(t, ctx, ends); !errors.Is(err, io.EOF) || !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
			t.Fatalf("server side ended with %v, want graceful close", err)
		}
		st, err := srv.stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Associations != 0 {
			t.Fatalf("server still holds %d associations after shutdown", st.Associations)
		}
	})
}

// ---- endpoint over the in-memory network, in a synctest bubble ----

// simPair attaches two endpoints to a simnet network with cfg on both links.
func simPair(t *testing.T, seed uint64, link simnet.LinkConfig) (*simnet.Network, *runner, *runner) {
	t.Helper()
	n := simnet.New(seed)
	n.SetDefaultLink(link)
	mk := func(addr string, s int64) *runner {
		return simRunner(t, n, addr, runnerConfig{Rand: newSeededReader(byte(s) ^ byte(seed*31))})
	}
	return n, mk("10.0.0.1:9899", 1), mk("10.0.0.2:9899", 2)
}

// simRunner attaches a runner with cfg to n at addr; it is closed at the
// end of the test.
func simRunner(t testing.TB, n *simnet.Network, addr string, cfg runnerConfig) *runner {
	t.Helper()
	pc, err := n.Attach(netip.MustParseAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	e := newRunnerOn(wrapDatagramConn(pc), cfg)
	t.Cleanup(func() { e.close() })
	return e
}

func TestEndpointSimnetLossyEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 7, simnet.LinkConfig{Loss: 0.05, Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Duplicate: 0.01, Reorder: 0.02})
		ctx := testCtx(t, 10*time.Minute) // virtual time
		var wg sync.WaitGroup
		ends := echoServer(t, ctx, b, 7, &wg)
		h, err := a.connectWait(ctx, b.localAddr(), 7)
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		runEchoClient(t, ctx, h, 300, 3)
		if err := <-ends; !errors.Is(err, io.EOF) || errors.Is(err, ErrAborted) {
			t.Fatalf("server side ended with %v", err)
		}
		st, err := a.stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Associations != 0 {
			t.Fatalf("client still holds %d associations", st.Associations)
		}
		a.close()
		b.close()
		wg.Wait()
	})
}

// Closing an endpoint aborts its associations: the peer sees CommLost with
// ErrAborted, local handles end with errEndpointClosed-related errors, and
// operations fail with errEndpointClosed.
func TestEndpointCloseAbortsAssociations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 1, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Minute)
		h, srv := listenConnectAccept(t, ctx, a, b, 9)
		if err := a.close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := a.close(); !errors.Is(err, errEndpointClosed) {
			t.Fatalf("second Close: %v", err)
		}
		<-h.ended()
		if err := h.trySend(outMessage{data: []byte("x")}); err == nil {
			t.Fatal("send on a closed endpoint succeeded")
		}
		if _, err := a.connectWait(ctx, b.localAddr(), 9); !errors.Is(err, errEndpointClosed) {
			t.Fatalf("Connect after Close: %v", err)
		}
		var lost bool
		err := eachDelivery(ctx, srv, func(d delivery) {
			if ac, ok := d.ev.(AssocChange); ok && ac.State == CommLost {
				lost = true
			}
		})
		if !errors.Is(err, io.EOF) || !errors.Is(err, ErrAborted) {
			t.Fatalf("peer association ended with %v, want ErrAborted", err)
		}
		if !lost {
			t.Fatal("peer saw no COMM_LOST")
		}
	})
}

// A partitioned peer: the association fails after Association.Max.Retrans
// (RFC 9260 §8.1) and Send/Next report it.
func TestEndpointPeerUnreachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, a, b := simPair(t, 3, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Hour)
		h := listenConnect(t, ctx, a, b, 9)
		n.SetPartition(a.localAddr(), b.localAddr(), true)
		n.SetPartition(b.localAddr(), a.localAddr(), true)
		if err := h.send(ctx, outMessage{data: []byte("lost")}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		<-h.ended()
		if !errors.Is(h.endErr(), ErrAssociationFailed) {
			t.Fatalf("association ended with %v, want ErrAssociationFailed", h.endErr())
		}
		if el := time.Since(start); el < 10*time.Second {
			t.Fatalf("failed after only %v of virtual time", el)
		}
		if err := h.send(ctx, outMessage{data: []byte("x")}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Send after failure: %v", err)
		}
	})
}

// A receiver that does not read: the sender's Send blocks (flow control
// reaches it through the receive window) and honours its context; once
// the receiver reads, everything arrives.
func TestEndpointBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := simnet.New(5)
		n.SetDefaultLink(simnet.LinkConfig{Delay: time.Millisecond})
		a := simRunner(t, n, "10.0.0.1:9899", runnerConfig{})
		b := simRunner(t, n, "10.0.0.2:9899", runnerConfig{RecvQueueBytes: 16 << 10})
		ctx := testCtx(t, time.Hour)
		h := listenConnect(t, ctx, a, b, 9)
		msg := make([]byte, 8<<10)
		sent := 0
		for ; sent < 10000; sent++ {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := h.send(sctx, outMessage{data: msg})
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatalf("Send %d: %v", sent, err)
			}
		}
		if sent == 10000 {
			t.Fatal("10000 × 8 KiB sent to a receiver that never reads: no backpressure")
		}
		if err := h.trySend(outMessage{data: msg}); !errors.Is(err, errSendBufferFull) {
			t.Fatalf("trySend with a full buffer: %v", err)
		}
		srv, err := b.accept(ctx, 9)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			h.shutdown()
		}()
		got := 0
		buf := make([]byte, 16<<10)
		for {
			n, _, err := srv.recv(ctx, buf)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("Recv: %v", err)
				}
				break
			}
			if n != len(msg) {
				t.Fatalf("message of %d bytes", n)
			}
			got++
		}
		if got != sent {
			t.Fatalf("received %d of %d messages", got, sent)
		}
	})
}

// Many associations share one endpoint (one UDP socket) on each side.
func TestEndpointManyAssociations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 11, simnet.LinkConfig{Delay: 2 * time.Millisecond, Loss: 0.01})
		ctx := testCtx(t, time.Hour)
		var wg sync.WaitGroup
		ends := echoServer(t, ctx, b, 7, &wg)
		const k = 12
		runEchoClients(t, ctx, k, 20, 2, func(int) (*assocHandle, error) {
			return a.connectWait(ctx, b.localAddr(), 7)
		})
		for i := 0; i < k; i++ {
			if err := <-ends; errors.Is(err, ErrAborted) || !errors.Is(err, io.EOF) {
				t.Fatalf("server association %d ended with %v", i, err)
			}
		}
		st, _ := b.stats()
		if st.AssociationsTotal != k || st.Associations != 0 {
			t.Fatalf("server stats: %+v", st)
		}
		a.close()
		b.close()
		wg.Wait()
	})
}

// Bad datagrams are dropped and counted by reason, allocate no state, and
// do not disturb the association.
func TestEndpointDropReasons(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, a, b := simPair(t, 9, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Minute)
		h, srv := listenConnectAccept(t, ctx, a, b, 9)
		// The attacker shares the client's IP (the association is
		// keyed by peer IP and SCTP ports), not its UDP port.
		evil, err := n.Attach(netip.MustParseAddrPort("10.0.0.1:4000"))
		if err != nil {
			t.Fatal(err)
		}
		defer evil.Close()
		pkt := func(dst uint16, vtag uint32) []byte {
			p := appendCommonHeader(nil, commonHeader{SrcPort: h.localSCTPPort(), DstPort: dst, VerificationTag: vtag})
			p = (&chunk.Heartbeat{Info: []byte("hostile!")}).AppendTo(p)
			finalizePacket(p)
			return p
		}
		badCRC := pkt(9, 1)
		badCRC[8] ^= 0xff
		before, _ := b.stats()
		for _, d := range [][]byte{
			{1, 2, 3, 4, 5},    // short
			badCRC,             // bad checksum
			pkt(4444, 77),      // no listener, no association
			pkt(9, 0xdeadbeef), // wrong verification tag
		} {
			if _, err := evil.WriteToUDPAddrPort(d, b.localAddr()); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond) // virtual: past the link delay
		synctest.Wait()
		st, err := b.stats()
		if err != nil {
			t.Fatal(err)
		}
		got := [4]uint64{st.DroppedShort - before.DroppedShort, st.DroppedBadChecksum - before.DroppedBadChecksum,
			st.DroppedUnknownPort - before.DroppedUnknownPort, st.DroppedBadVtag - before.DroppedBadVtag}
		if got != [4]uint64{1, 1, 1, 1} {
			t.Fatalf("drops short/checksum/unknown-port/vtag = %v, want [1 1 1 1]; stats %+v", got, st)
		}
		if st.Associations != 1 || st.AssociationsTotal != 1 {
			t.Fatalf("hostile datagrams changed association state: %+v", st)
		}
		// The association still works.
		if err := h.send(ctx, outMessage{data: []byte("still here")}); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		if n, _, err := srv.recv(ctx, buf); err != nil || string(buf[:n]) != "still here" {
			t.Fatalf("Recv = %q, %v", buf[:n], err)
		}
	})
}

// Closing an endpoint frees its UDP port.
func TestEndpointCloseFreesPort(t *testing.T) {
	e := newUDPEndpoint(t, "udp4", "127.0.0.1")
	addr := e.localAddr()
	if err := e.close(); err != nil {
		t.Fatal(err)
	}
	c, err := udpencap.Listen("udp4", addr)
	if err != nil {
		t.Fatalf("port %v not free after Close: %v", addr, err)
	}
	c.Close()
}

// Listener lifecycle: Accept on a port without Listen fails clearly;
// Unlisten shuts down associations still waiting in the accept queue and
// makes Accept fail; Release discards input nobody will read.
func TestEndpointListenerLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 13, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Minute)
		if _, err := b.accept(ctx, 99); !errors.Is(err, ErrNotListening) {
			t.Fatalf("Accept without Listen: %v", err)
		}
		if err := b.listenDefaults(9, 4); err != nil {
			t.Fatal(err)
		}
		if err := b.listenDefaults(9, 8); err != nil { // re-listen updates the backlog
			t.Fatalf("second Listen: %v", err)
		}
		h, err := a.connectWait(ctx, b.localAddr(), 9)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.send(ctx, outMessage{data: []byte("queued before accept")}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if err := b.unlisten(9); err != nil {
			t.Fatal(err)
		}
		if _, err := b.accept(ctx, 9); !errors.Is(err, ErrNotListening) {
			t.Fatalf("Accept after Unlisten: %v", err)
		}
		<-h.ended() // the queued association was shut down gracefully
		if err := h.endErr(); !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
			t.Fatalf("client association ended with %v, want graceful close", err)
		}

		// Release: messages to a released handle are discarded.
		h2, srv := listenConnectAccept(t, ctx, a, b, 10)
		if err := srv.release(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			if err := h2.send(ctx, outMessage{data: make([]byte, 1000)}); err != nil {
				t.Fatal(err)
			}
		}
		h2.shutdown()
		<-h2.ended()
		eachDelivery(ctx, srv, func(d delivery) {
			if d.ev == nil {
				t.Fatal("a released handle delivered a message")
			}
		})
	})
}

// listenConnect makes b listen on SCTP port (backlog 4) and connects a to
// it: the client's handle, established.
func listenConnect(t testing.TB, ctx context.Context, a, b *runner, port uint16) *assocHandle {
	t.Helper()
	if err := b.listenDefaults(port, 4); err != nil {
		t.Fatal(err)
	}
	h, err := a.connectWait(ctx, b.localAddr(), port)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// connectAccept connects a to b's listening SCTP port and accepts the
// association there: the client and server handles, both established.
func connectAccept(t testing.TB, ctx context.Context, a, b *runner, port uint16) (h, srv *assocHandle) {
	t.Helper()
	h, err := a.connectWait(ctx, b.localAddr(), port)
	if err != nil {
		t.Fatal(err)
	}
	if srv, err = b.accept(ctx, port); err != nil {
		t.Fatal(err)
	}
	if err := srv.waitEstablished(ctx); err != nil {
		t.Fatal(err)
	}
	return h, srv
}

// listenConnectAccept is listenConnect then accept: the client and server
// handles, both established.
func listenConnectAccept(t testing.TB, ctx context.Context, a, b *runner, port uint16) (h, srv *assocHandle) {
	t.Helper()
	if err := b.listenDefaults(port, 4); err != nil {
		t.Fatal(err)
	}
	return connectAccept(t, ctx, a, b, port)
}
