package udpencap

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

type mode struct {
	name string
	opts []Option
}

var modes = []mode{
	{"default", nil},
	{"noGSO", []Option{WithoutGSO()}},
	{"noGRO", []Option{WithoutGRO()}},
	{"noGSOnoGRO", []Option{WithoutGSO(), WithoutGRO()}},
	{"portable", []Option{WithoutBatch()}},
}

func listenT(t testing.TB, network string, addr string, opts ...Option) *Conn {
	t.Helper()
	var ap netip.AddrPort
	if addr != "" {
		ap = netip.AddrPortFrom(netip.MustParseAddr(addr), 0)
	}
	c, err := Listen(network, ap, opts...)
	if err != nil {
		t.Fatalf("Listen(%s, %s): %v", network, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// loopbackOf returns the address at which c is reachable on loopback ip.
func loopbackOf(c *Conn, ip string) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(ip), c.LocalAddr().Port())
}

func skipNoIPv6(t testing.TB) {
	t.Helper()
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("IPv6 loopback unavailable: %v", err)
	}
	c.Close()
}

func newMsgs(n, size int) []Message {
	ms := make([]Message, n)
	for i := range ms {
		ms[i].Buf = make([]byte, size)
	}
	return ms
}

func fill(b []byte, seq int) {
	for i := range b {
		b[i] = byte(seq*7 + i)
	}
}

// readN reads exactly want datagrams (bounded by a deadline) and returns
// copies of them in arrival order.
func readN(t testing.TB, c *Conn, want int, bufSize int) []Message {
	t.Helper()
	got := make([]Message, 0, want)
	ms := newMsgs(16, bufSize)
	deadline := time.Now().Add(5 * time.Second)
	c.SetReadDeadline(deadline)
	defer c.SetReadDeadline(time.Time{})
	for len(got) < want {
		n, err := c.ReadBatch(ms)
		if err != nil {
			t.Fatalf("ReadBatch after %d/%d datagrams: %v", len(got), want, err)
		}
		for i := 0; i < n; i++ {
			got = append(got, Message{Buf: bytes.Clone(ms[i].Buf[:ms[i].N]), N: ms[i].N, Addr: ms[i].Addr, Local: ms[i].Local})
		}
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	for _, fam := range []struct{ network, ip string }{{"udp", "127.0.0.1"}, {"udp", "::1"}, {"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
		for _, m := range modes {
			t.Run(fmt.Sprintf("%s-%s-%s", fam.network, fam.ip, m.name), func(t *testing.T) {
				if netip.MustParseAddr(fam.ip).Is6() {
					skipNoIPv6(t)
				}
				a := listenT(t, fam.network, "", m.opts...)
				b := listenT(t, fam.network, "", m.opts...)
				// Mixed sizes, including runs of equal size (GSO candidates)
				// and a zero-length datagram.
				sizes := []int{1, 1200, 1200, 1200, 1200, 700, 1200, 0, 1472, 1472, 8000, 1200, 1200}
				ms := make([]Message, len(sizes))
				for i, sz := range sizes {
					ms[i].Buf = make([]byte, sz)
					fill(ms[i].Buf, i)
					ms[i].Addr = loopbackOf(b, fam.ip)
				}
				n, err := a.WriteBatch(ms)
				if err != nil || n != len(ms) {
					t.Fatalf("WriteBatch = %d, %v; want %d", n, err, len(ms))
				}
				for i := range ms {
					if ms[i].N != sizes[i] {
						t.Fatalf("ms[%d].N = %d, want %d", i, ms[i].N, sizes[i])
					}
				}
				got := readN(t, b, len(sizes), 9000)
				for i, g := range got {
					if !bytes.Equal(g.Buf, ms[i].Buf) {
						t.Fatalf("datagram %d: got %d bytes, want %d (content mismatch)", i, len(g.Buf), sizes[i])
					}
					if want := loopbackOf(a, fam.ip); g.Addr != want {
						t.Fatalf("datagram %d from %v, want %v", i, g.Addr, want)
					}
				}
				st := a.Stats()
				if st.DatagramsWritten != uint64(len(sizes)) || b.Stats().DatagramsRead != uint64(len(sizes)) {
					t.Fatalf("stats: written %d read %d, want %d", st.DatagramsWritten, b.Stats().DatagramsRead, len(sizes))
				}
				if a.Capabilities().GSO && st.GSOSends == 0 {
					t.Fatalf("GSO capable but no GSO send: %+v", st)
				}
			})
		}
	}
}

func TestPortableForced(t *testing.T) {
	c := listenT(t, "udp", "", WithoutBatch())
	if c.Capabilities() != (Capabilities{}) {
		t.Fatalf("WithoutBatch: capabilities %+v", c.Capabilities())
	}
	d := listenT(t, "udp", "")
	ms := []Message{{Buf: []byte("hello"), Addr: loopbackOf(d, "127.0.0.1")}, {Buf: []byte("world"), Addr: loopbackOf(d, "127.0.0.1")}}
	if n, err := c.WriteBatch(ms); n != 2 || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if st := c.Stats(); st.WriteCalls != 2 {
		t.Fatalf("portable path: want 2 write syscalls, got %d", st.WriteCalls)
	}
	got := readN(t, d, 2, 100)
	if string(got[0].Buf) != "hello" || string(got[1].Buf) != "world" {
		t.Fatalf("got %q %q", got[0].Buf, got[1].Buf)
	}
}

// IPv4 peers are reported unmapped on a dual-stack socket, and a mapped
// destination is accepted by both dual-stack and IPv4-only sockets.
func TestMappedAddressesNormalized(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			dual := listenT(t, "udp", "", m.opts...)
			if !dual.LocalAddr().Addr().Is6() {
				t.Skip("no dual-stack socket on this OS")
			}
			v4 := listenT(t, "udp4", "127.0.0.1", m.opts...)
			mapped := func(c *Conn) netip.AddrPort {
				return netip.AddrPortFrom(netip.MustParseAddr("::ffff:127.0.0.1"), c.LocalAddr().Port())
			}
			if _, err := v4.WriteBatch([]Message{{Buf: []byte("x"), Addr: mapped(dual)}}); err != nil {
				t.Fatalf("v4 socket to mapped dst: %v", err)
			}
			if _, err := dual.WriteBatch([]Message{{Buf: []byte("y"), Addr: mapped(v4)}}); err != nil {
				t.Fatalf("dual socket to mapped dst: %v", err)
			}
			if _, err := dual.WriteBatch([]Message{{Buf: []byte("z"), Addr: loopbackOf(v4, "127.0.0.1")}}); err != nil {
				t.Fatalf("dual socket to v4 dst: %v", err)
			}
			g := readN(t, dual, 1, 100)
			if want := loopbackOf(v4, "127.0.0.1"); g[0].Addr != want || !g[0].Addr.Addr().Is4() {
				t.Fatalf("dual-stack saw %v, want %v (unmapped)", g[0].Addr, want)
			}
			g = readN(t, v4, 2, 100)
			for _, x := range g {
				if want := loopbackOf(dual, "127.0.0.1"); x.Addr != want {
					t.Fatalf("v4 socket saw %v, want %v", x.Addr, want)
				}
			}
			if v4.LocalAddr() != loopbackOf(v4, "127.0.0.1") {
				t.Fatalf("LocalAddr = %v", v4.LocalAddr())
			}
			// An IPv4-only socket cannot reach ::1.
			_, err := v4.WriteBatch([]Message{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("[::1]:9")}})
			if err == nil {
				t.Fatal("v4 socket wrote to ::1")
			}
		})
	}
}

func TestBadDestination(t *testing.T) {
	c := listenT(t, "udp", "")
	for _, a := range []netip.AddrPort{{}, netip.MustParseAddrPort("127.0.0.1:0")} {
		if _, err := c.WriteBatch([]Message{{Buf: []byte("x"), Addr: a}}); !errors.Is(err, ErrInvalidAddr) {
			t.Fatalf("dst %v: err %v, want ErrInvalidAddr", a, err)
		}
	}
	big := make([]byte, MaxDatagram+1)
	if _, err := c.WriteBatch([]Message{{Buf: big, Addr: netip.MustParseAddrPort("127.0.0.1:9")}}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversize: %v", err)
	}
	// A bad message in the middle: the ones before it are sent.
	d := listenT(t, "udp", "")
	ms := []Message{{Buf: []byte("a"), Addr: loopbackOf(d, "127.0.0.1")}, {Buf: []byte("b")}}
	if n, err := c.WriteBatch(ms); n != 1 || !errors.Is(err, ErrInvalidAddr) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if g := readN(t, d, 1, 10); string(g[0].Buf) != "a" {
		t.Fatalf("got %q", g[0].Buf)
	}
}

func TestTruncatedDropped(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			a := listenT(t, "udp", "", m.opts...)
			b := listenT(t, "udp", "", m.opts...)
			to := loopbackOf(b, "127.0.0.1")
			ms := []Message{{Buf: make([]byte, 300), Addr: to}, {Buf: []byte("ok"), Addr: to}}
			if _, err := a.WriteBatch(ms); err != nil {
				t.Fatal(err)
			}
			g := readN(t, b, 1, 100)
			if string(g[0].Buf) != "ok" {
				t.Fatalf("got %d bytes, want the short datagram", len(g[0].Buf))
			}
			if b.Stats().Truncated != 1 {
				t.Fatalf("Truncated = %d", b.Stats().Truncated)
			}
		})
	}
}

func TestCloseUnblocksReader(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c, err := Listen("udp", netip.AddrPort{}, m.opts...)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := c.ReadBatch(newMsgs(4, 100))
				errc <- err
			}()
			// Give the reader a chance to block (not required for
			// correctness: a read after Close fails the same way).
			time.Sleep(10 * time.Millisecond)
			c.Close()
			select {
			case err := <-errc:
				if !errors.Is(err, net.ErrClosed) {
					t.Fatalf("ReadBatch after Close: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ReadBatch still blocked 5s after Close")
			}
			if _, err := c.WriteBatch([]Message{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("127.0.0.1:9")}}); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("WriteBatch after Close: %v", err)
			}
			if err := c.Close(); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

// loopbackRound returns two sockets with opts, tx and rx, and round, which
// writes k datagrams of 1200 bytes from tx to rx over 127.0.0.1 in one
// batch and reads them all back.
func loopbackRound(tb testing.TB, k int, opts ...Option) (tx, rx *Conn, round func()) {
	tb.Helper()
	tx = listenT(tb, "udp", "", opts...)
	rx = listenT(tb, "udp", "", opts...)
	out := newMsgs(k, 1200)
	for i := range out {
		out[i].Addr = loopbackOf(rx, "127.0.0.1")
	}
	in := newMsgs(k, 2048)
	return tx, rx, func() {
		if n, err := tx.WriteBatch(out); err != nil || n != k {
			tb.Fatalf("WriteBatch = %d, %v", n, err)
		}
		for got := 0; got < k; {
			n, err := rx.ReadBatch(in)
			if err != nil {
				tb.Fatal(err)
			}
			got += n
		}
	}
}

// Steady-state batch round trips must not allocate per datagram.
func TestNoAllocSteadyState(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const k = 32
			_, _, round := loopbackRound(t, k, m.opts...)
			round()
			if allocs := testing.AllocsPerRun(50, round); allocs != 0 {
				t.Fatalf("%.2f allocations per %d-datagram round trip", allocs, k)
			}
		})
	}
}

// TestReadDeadlineInterruptsReader: a past read deadline ends a blocked
// ReadBatch with os.ErrDeadlineExceeded (package sctp's read lease uses it
// to wake a receive reading the socket); cleared, reads work again.
func TestReadDeadlineInterruptsReader(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			tx := listenT(t, "udp", "", m.opts...)
			rx := listenT(t, "udp", "", m.opts...)
			errc := make(chan error, 1)
			go func() {
				_, err := rx.ReadBatch(newMsgs(4, 100))
				errc <- err
			}()
			time.Sleep(10 * time.Millisecond) // let it block; not required for the result
			if err := rx.SetReadDeadline(time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-errc:
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("ReadBatch after a past deadline: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ReadBatch still blocked 5s after a past deadline")
			}
			if err := rx.SetReadDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
			out := []Message{{Buf: []byte("after"), Addr: loopbackOf(rx, "127.0.0.1")}}
			if _, err := tx.WriteBatch(out); err != nil {
				t.Fatal(err)
			}
			in := newMsgs(4, 100)
			n, err := rx.ReadBatch(in)
			if err != nil || n != 1 || string(in[0].Buf[:in[0].N]) != "after" {
				t.Fatalf("ReadBatch after clearing the deadline: %d, %v", n, err)
			}
		})
	}
}
