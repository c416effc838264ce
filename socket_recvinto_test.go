package sctp

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"testing"
	"time"
)

// sockPair is an established association between two stacks on
// 127.0.0.1 for the socket-API hot path: tx sends, rx receives, and to is
// what tx's SndInfo names (rx's address on one-to-many sockets).
type sockPair struct {
	tx, rx *Socket
	si     SndInfo
}

// newSockPair sets one up with sockets of style (TCP_STYLE: connect and
// accept; UDP_STYLE: one-to-many on both sides, set up by the first send).
// Everything is closed at cleanup; blocking calls are bounded by
// testTimeout.
func newSockPair(tb testing.TB, style Style) sockPair {
	tb.Helper()
	mk := func(laddr netip.AddrPort, remote uint16) *Stack {
		st, err := NewStack(StackConfig{LocalAddr: laddr, RemoteUDPPort: remote})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	}
	srvSt := mk(lo4, 0)
	cliSt := mk(lo4, srvSt.LocalUDPAddr().Port())
	sock := func(st *Stack) *Socket {
		s, err := st.NewSocket(AF_INET, style)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		s.SetDeadline(time.Now().Add(testTimeout))
		return s
	}
	srv := sock(srvSt)
	if err := srv.Bind(lo4); err != nil {
		tb.Fatal(err)
	}
	if err := srv.Listen(5); err != nil {
		tb.Fatal(err)
	}
	l, err := srv.GetLaddrs(0)
	if err != nil || len(l) != 1 {
		tb.Fatalf("GetLaddrs = %v, %v", l, err)
	}
	cli := sock(cliSt)
	if style == UDP_STYLE {
		return sockPair{tx: cli, rx: srv, si: SndInfo{To: l[0]}}
	}
	if err := cli.Connect(l[0]); err != nil {
		tb.Fatal(err)
	}
	conn, _, err := srv.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(testTimeout))
	return sockPair{tx: cli, rx: conn.Socket}
}

// recvDataInto returns the next data message read with SCTPRecvInto into
// buf, skipping notifications.
func recvDataInto(tb testing.TB, s *Socket, buf []byte) (int, Received) {
	for i := 0; i < 100; i++ {
		n, r, err := s.SCTPRecvInto(buf)
		if err != nil {
			tb.Fatalf("SCTPRecvInto: %v", err)
		}
		if r.Flags&MSG_NOTIFICATION == 0 {
			return n, r
		}
	}
	tb.Fatal("SCTPRecvInto: 100 notifications and no data")
	return 0, Received{}
}

// TestSCTPRecvIntoSteadyStateNoAlloc: once warmed up, SCTPSend and the
// matching SCTPRecvInto of a 1000-byte message allocate nothing, on
// one-to-one and on one-to-many sockets (the pysctp path as cheap as
// Conn; hot path: no allocation per message).
func TestSCTPRecvIntoSteadyStateNoAlloc(t *testing.T) {
	for _, style := range []Style{TCP_STYLE, UDP_STYLE} {
		t.Run(style.String(), func(t *testing.T) {
			p := newSockPair(t, style)
			msg := make([]byte, 1000)
			buf := make([]byte, 2000)
			si := p.si
			si.Stream, si.PPID = 0, 46
			step := func() {
				if _, err := p.tx.SCTPSend(msg, &si); err != nil {
					t.Fatal(err)
				}
				n, r := recvDataInto(t, p.rx, buf)
				if n != len(msg) || r.Flags != MSG_EOR || r.Info.PPID != 46 || len(r.Msg) != n {
					t.Fatalf("SCTPRecvInto = %d, %+v", n, r)
				}
			}
			for i := 0; i < 100; i++ {
				step()
			}
			if a := testing.AllocsPerRun(300, step); a > 0.1 {
				t.Errorf("%.2f allocations per SCTPSend+SCTPRecvInto, want 0", a)
			}
		})
	}
}

// TestSCTPRecvIntoPiecesAndNotifications: a message longer than the buffer
// comes in pieces with MSG_EOR only on the last (RFC 6458 §3.1.4), with
// its SndRcvInfo on every piece; a notification comes through the same
// call with MSG_NOTIFICATION, n 0 and the parsed event; reads and
// SCTPRecv may be mixed; after the peer's graceful shutdown the one-to-one
// socket returns io.EOF.
func TestSCTPRecvIntoPiecesAndNotifications(t *testing.T) {
	p := newSockPair(t, UDP_STYLE)
	if err := p.rx.SetEvents(EventSubscribe{Association: true}); err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("0123456789"), 25)
	si := p.si
	si.PPID, si.Stream = 7, 1
	if _, err := p.tx.SCTPSend(msg, &si); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, r, err := p.rx.SCTPRecvInto(buf)
	if err != nil {
		t.Fatal(err)
	}
	ac, ok := r.Notification.(AssocChange)
	if n != 0 || r.Flags != MSG_NOTIFICATION|MSG_EOR || !ok || ac.State != CommUp || r.Msg != nil {
		t.Fatalf("first item = %d, %+v; want the COMM_UP notification", n, r)
	}
	var got []byte
	for i := 0; ; i++ {
		n, r, err := p.rx.SCTPRecvInto(buf)
		if err != nil {
			t.Fatal(err)
		}
		if r.Info.PPID != 7 || r.Info.Stream != 1 || r.Flags&MSG_NOTIFICATION != 0 || !bytes.Equal(r.Msg, buf[:n]) {
			t.Fatalf("piece %d = %d, %+v", i, n, r)
		}
		got = append(got, buf[:n]...)
		if r.Flags&MSG_EOR != 0 {
			if i != 2 || n != 50 {
				t.Errorf("MSG_EOR on piece %d of %d bytes, want piece 2 of 50", i, n)
			}
			break
		}
		if n != len(buf) || i > 3 {
			t.Fatalf("piece %d: %d bytes without MSG_EOR", i, n)
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("reassembled %q", got)
	}

	// A message begun with SCTPRecv (whose pieces alias the queued
	// buffer) and finished with SCTPRecvInto: the first piece stays
	// intact (the buffer is not recycled under it).
	if _, err := p.tx.SCTPSend(msg, &si); err != nil {
		t.Fatal(err)
	}
	first, err := p.rx.SCTPRecv(120)
	if err != nil || len(first.Msg) != 120 || first.Flags&MSG_EOR != 0 {
		t.Fatalf("SCTPRecv(120) = %+v, %v", first, err)
	}
	keep := append([]byte(nil), first.Msg...)
	big := make([]byte, 1000)
	if n, r, err := p.rx.SCTPRecvInto(big); err != nil || n != 130 || r.Flags != MSG_EOR || !bytes.Equal(big[:n], msg[120:]) {
		t.Fatalf("rest by SCTPRecvInto = %d, %+v, %v", n, r, err)
	}
	for i := 0; i < 20; i++ { // reuse the pool: the aliased piece must not change
		if _, err := p.tx.SCTPSend(bytes.Repeat([]byte{'x'}, 250), &si); err != nil {
			t.Fatal(err)
		}
		recvDataInto(t, p.rx, big)
	}
	if !bytes.Equal(first.Msg, keep) {
		t.Fatalf("the SCTPRecv piece changed after SCTPRecvInto recycled buffers: %q", first.Msg)
	}

	if _, _, err := p.rx.SCTPRecvInto(nil); err == nil {
		t.Error("SCTPRecvInto(nil) succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := p.rx.SCTPRecvIntoContext(ctx, buf); err != context.DeadlineExceeded {
		t.Errorf("SCTPRecvIntoContext on an empty queue with an ending context: %v", err)
	}
}

// TestSCTPRecvIntoEOF: a one-to-one socket reads io.EOF through
// SCTPRecvInto after the peer's graceful shutdown and the data before it.
func TestSCTPRecvIntoEOF(t *testing.T) {
	p := newSockPair(t, TCP_STYLE)
	if _, err := p.tx.SCTPSend([]byte("last"), &SndInfo{Flags: MSG_EOF}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, r := recvDataInto(t, p.rx, buf); string(buf[:n]) != "last" || r.Flags != MSG_EOR {
		t.Fatalf("read %q %v", buf[:n], r.Flags)
	}
	for i := 0; i < 10; i++ {
		_, r, err := p.rx.SCTPRecvInto(buf)
		if err != nil {
			if err != io.EOF {
				t.Fatalf("after the peer's shutdown: %v, want io.EOF", err)
			}
			return
		}
		if r.Flags&MSG_NOTIFICATION == 0 {
			t.Fatalf("data after MSG_EOF: %q", r.Msg)
		}
	}
	t.Fatal("no io.EOF")
}

// BenchmarkSocketSendRecv measures one 1200-byte message through the
// socket API, sender and receiver in one process over loopback UDP:
// SCTPSend with SCTPRecv (allocating) or SCTPRecvInto, on one-to-one and
// one-to-many sockets, beside Conn.Write/Read. Run with -benchmem.
func BenchmarkSocketSendRecv(b *testing.B) {
	const size = 1200
	for _, c := range []struct {
		name  string
		style Style
		into  bool
	}{
		{"TCP/SCTPRecv", TCP_STYLE, false},
		{"TCP/SCTPRecvInto", TCP_STYLE, true},
		{"UDP/SCTPRecv", UDP_STYLE, false},
		{"UDP/SCTPRecvInto", UDP_STYLE, true},
		{"Conn", TCP_STYLE, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := newSockPair(b, c.style)
			p.tx.SetDeadline(time.Time{})
			p.rx.SetDeadline(time.Time{})
			msg := make([]byte, size)
			si := p.si
			var conn *Conn
			if c.name == "Conn" {
				conn = &Conn{s: p.rx}
			}
			done := make(chan error, 1)
			go func() {
				buf := make([]byte, 64<<10)
				for i := 0; i < b.N+1; {
					var err error
					var notif bool
					switch {
					case conn != nil:
						_, err = conn.Read(buf)
					case c.into:
						var r Received
						_, r, err = p.rx.SCTPRecvInto(buf)
						notif = r.Flags&MSG_NOTIFICATION != 0
					default:
						var r *Received
						r, err = p.rx.SCTPRecv(len(buf))
						notif = err == nil && r.Flags&MSG_NOTIFICATION != 0
					}
					if err != nil {
						done <- err
						return
					}
					if !notif {
						i++
					}
				}
				done <- nil
			}()
			if _, err := p.tx.SCTPSend(msg, &si); err != nil { // sets up the one-to-many association
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if conn != nil {
					_, err = p.tx.SCTPSend(msg, nil)
				} else {
					_, err = p.tx.SCTPSend(msg, &si)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
