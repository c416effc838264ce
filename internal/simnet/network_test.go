package simnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var (
	lo1 = netip.MustParseAddrPort("127.0.0.1:5001")
	lo2 = netip.MustParseAddrPort("127.0.0.1:5002")
)

func attach(t *testing.T, n *Network, ap netip.AddrPort) *PacketConn {
	t.Helper()
	c, err := n.Attach(ap)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestNetworkSynctestDelay is the usage example: two PacketConns in a
// synctest bubble; the read returns after exactly the link delay of virtual
// time and no real time.
func TestNetworkSynctestDelay(t *testing.T) {
	realStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		n := New(1)
		n.SetLink(lo1, lo2, LinkConfig{Delay: 150 * time.Millisecond})
		a, b := attach(t, n, lo1), attach(t, n, lo2)
		defer a.Close()
		defer b.Close()

		start := time.Now()
		if _, err := a.WriteToUDPAddrPort([]byte("hello"), lo2); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		nr, from, err := b.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 150*time.Millisecond {
			t.Fatalf("read returned after %v of virtual time, want exactly 150ms", got)
		}
		if string(buf[:nr]) != "hello" || from != lo1 {
			t.Fatalf("got %q from %v", buf[:nr], from)
		}

		// The reverse direction uses the default (perfect) link: no delay.
		start = time.Now()
		if _, err := b.WriteTo([]byte("back"), a.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		nr, addr, err := a.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) != 0 || string(buf[:nr]) != "back" || addr.String() != lo2.String() {
			t.Fatalf("reverse: %q from %v after %v", buf[:nr], addr, time.Since(start))
		}
	})
	if real := time.Since(realStart); real > 5*time.Second {
		t.Fatalf("took %v of real time", real)
	}
}

func TestNetworkReadDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1)
		a := attach(t, n, lo1)
		defer a.Close()
		start := time.Now()
		a.SetReadDeadline(start.Add(2 * time.Second))
		_, _, err := a.ReadFromUDPAddrPort(make([]byte, 10))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("err = %v, want os.ErrDeadlineExceeded", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("err = %v is not a timeout net.Error", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("deadline fired after %v, want 2s", d)
		}
		// A past deadline fails at once; clearing it lets data through.
		if _, _, err := a.ReadFromUDPAddrPort(nil); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("past deadline: err = %v", err)
		}
		a.SetReadDeadline(time.Time{})
		a.WriteToUDPAddrPort([]byte("x"), lo1) // to itself
		if _, _, err := a.ReadFromUDPAddrPort(make([]byte, 1)); err != nil {
			t.Fatalf("after clearing deadline: %v", err)
		}

		// Extending the deadline while a reader waits moves its wake-up.
		start = time.Now()
		a.SetReadDeadline(start.Add(time.Second))
		done := make(chan time.Duration)
		go func() {
			_, _, err := a.ReadFromUDPAddrPort(make([]byte, 1))
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("err = %v", err)
			}
			done <- time.Since(start)
		}()
		synctest.Wait()
		a.SetReadDeadline(start.Add(3 * time.Second))
		if d := <-done; d != 3*time.Second {
			t.Fatalf("extended deadline fired after %v, want 3s", d)
		}

		a.SetWriteDeadline(time.Now())
		if _, err := a.WriteToUDPAddrPort([]byte("x"), lo1); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write after write deadline: %v", err)
		}
	})
}

func TestNetworkCloseUnblocksReaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1)
		a := attach(t, n, lo1)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = a.ReadFromUDPAddrPort(make([]byte, 10))
			})
		}
		synctest.Wait() // all three readers durably blocked
		start := time.Now()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("reader %d: err = %v, want net.ErrClosed", i, err)
			}
		}
		if time.Since(start) != 0 {
			t.Fatal("close took virtual time")
		}
		if err := a.Close(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("second close: %v", err)
		}
		if _, err := a.WriteToUDPAddrPort([]byte("x"), lo2); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("write after close: %v", err)
		}
		// The address is free again and in-flight datagrams to a closed
		// conn are counted as noroute.
		b := attach(t, n, lo2)
		n.SetLink(lo2, lo1, LinkConfig{Delay: time.Second})
		b.WriteToUDPAddrPort([]byte("late"), lo1)
		time.Sleep(2 * time.Second)
		if st := n.Stats(); st.Dropped[DropNoRoute] != 1 {
			t.Fatalf("stats %v, want one noroute drop", st)
		}
		a2 := attach(t, n, lo1)
		a2.Close()
		b.Close()
	})
}

func TestNetworkAttachPorts(t *testing.T) {
	n := New(1)
	ip := netip.MustParseAddr("127.0.0.1")
	seen := map[uint16]bool{}
	for range 100 {
		c, err := n.Attach(netip.AddrPortFrom(ip, 0))
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddrPort().Port()
		if p < firstEphemeral || seen[p] {
			t.Fatalf("port %d allocated (dup=%v)", p, seen[p])
		}
		seen[p] = true
	}
	c := attach(t, n, lo1)
	if _, err := n.Attach(lo1); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("double attach: %v", err)
	}
	c.Close()
	if _, err := n.Attach(netip.AddrPort{}); err == nil {
		t.Fatal("invalid address accepted")
	}
	// IPv4-mapped IPv6 addresses are the IPv4 address.
	c6, err := n.ListenPacket("udp", "[::ffff:127.0.0.1]:7000")
	if err != nil {
		t.Fatal(err)
	}
	if got := c6.LocalAddrPort(); got != netip.MustParseAddrPort("127.0.0.1:7000") {
		t.Fatalf("mapped address bound as %v", got)
	}
	if _, err := n.ListenPacket("udp6", "127.0.0.1:7001"); err == nil {
		t.Fatal("udp6 accepted an IPv4 address")
	}
	if _, err := n.ListenPacket("tcp", "127.0.0.1:7001"); err == nil {
		t.Fatal("tcp accepted")
	}
}

// TestNetworkRealTime uses the network outside a bubble with perfect links.
func TestNetworkRealTime(t *testing.T) {
	n := New(1)
	a := attach(t, n, netip.MustParseAddrPort("[::1]:1"))
	b := attach(t, n, netip.MustParseAddrPort("[::]:2")) // wildcard receiver
	defer a.Close()
	defer b.Close()
	if _, err := a.WriteToUDPAddrPort([]byte("0123456789"), netip.MustParseAddrPort("[::1]:2")); err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4)
	nr, from, err := b.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if nr != 4 || string(buf) != "0123" || from != a.LocalAddrPort() {
		t.Fatalf("truncated read: %d %q from %v", nr, buf, from)
	}
	if _, err := a.WriteToUDPAddrPort(make([]byte, MaxDatagram+1), b.LocalAddrPort()); !errors.Is(err, ErrMessageTooLong) {
		t.Fatalf("oversized write: %v", err)
	}
}

func TestNetworkImpairments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(3)
		n.SetDefaultLink(LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.25, Duplicate: 0.25, MTU: 1000})
		n.SetRecvQueue(100000)
		a, b := attach(t, n, lo1), attach(t, n, lo2)
		defer a.Close()
		defer b.Close()
		const count = 4000
		msg := make([]byte, 100)
		for range count {
			a.WriteToUDPAddrPort(msg, lo2)
			a.WriteToUDPAddrPort(make([]byte, 1001), lo2) // over the MTU
		}
		time.Sleep(20 * time.Millisecond)
		got := 0
		b.SetReadDeadline(time.Now().Add(time.Millisecond))
		for {
			if _, _, err := b.ReadFromUDPAddrPort(msg); err != nil {
				break
			}
			got++
		}
		st := n.Stats()
		if st.Dropped[DropMTU] != count {
			t.Fatalf("MTU drops %d, want %d", st.Dropped[DropMTU], count)
		}
		want := count * 0.75 * 1.25
		if float64(got) < want*0.93 || float64(got) > want*1.07 {
			t.Fatalf("received %d, want about %.0f (%v)", got, want, st)
		}
		if uint64(got) != st.Delivered || st.InFlight() != 0 {
			t.Fatalf("received %d, stats %v", got, st)
		}

		// One-way partition at run time.
		n.SetDefaultLink(LinkConfig{})
		n.SetPartition(lo1, lo2, true)
		a.WriteToUDPAddrPort([]byte("cut"), lo2)
		b.WriteToUDPAddrPort([]byte("open"), lo1)
		a.SetReadDeadline(time.Now().Add(time.Second))
		if nr, _, err := a.ReadFromUDPAddrPort(msg); err != nil || string(msg[:nr]) != "open" {
			t.Fatalf("B→A during A→B partition: %q %v", msg[:nr], err)
		}
		b.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := b.ReadFromUDPAddrPort(msg); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("A→B crossed the partition: %v", err)
		}
		n.SetPartition(lo1, lo2, false)
		a.WriteToUDPAddrPort([]byte("healed"), lo2)
		if nr, _, err := b.ReadFromUDPAddrPort(msg); err == nil || string(msg[:nr]) == "healed" {
			// Deadline already passed: reads fail until it is moved.
			t.Fatalf("read past deadline succeeded")
		}
		b.SetReadDeadline(time.Time{})
		if nr, _, err := b.ReadFromUDPAddrPort(msg); err != nil || string(msg[:nr]) != "healed" {
			t.Fatalf("after healing: %q %v", msg[:nr], err)
		}
		if ls := n.LinkStats(lo1, lo2); ls.Dropped[DropPartition] != 1 {
			t.Fatalf("link stats %v", ls)
		}
	})
}

func TestNetworkRecvQueueBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1)
		n.SetRecvQueue(10)
		a, b := attach(t, n, lo1), attach(t, n, lo2)
		defer a.Close()
		defer b.Close()
		for i := range 50 {
			a.WriteToUDPAddrPort([]byte{byte(i)}, lo2)
		}
		if st := n.Stats(); st.Delivered != 10 || st.Dropped[DropRecvQueue] != 40 {
			t.Fatalf("stats %v, want 10 delivered, 40 recvqueue drops", st)
		}
		buf := make([]byte, 1)
		for i := range 10 {
			if _, _, err := b.ReadFromUDPAddrPort(buf); err != nil || buf[0] != byte(i) {
				t.Fatalf("read %d: %v %d", i, err, buf[0])
			}
		}
		// The queue drained, so new datagrams fit again (FIFO kept).
		for i := range 25 {
			a.WriteToUDPAddrPort([]byte{byte(100 + i)}, lo2)
			a.WriteToUDPAddrPort([]byte{byte(200 + i)}, lo2)
			for _, want := range []byte{byte(100 + i), byte(200 + i)} {
				if _, _, err := b.ReadFromUDPAddrPort(buf); err != nil || buf[0] != want {
					t.Fatalf("interleaved read: %v %d, want %d", err, buf[0], want)
				}
			}
		}
		if st := n.Stats(); st.TotalDropped() != 40 {
			t.Fatalf("stats %v after interleaved reads", st)
		}
	})
}

// TestNetworkConcurrent exchanges datagrams between goroutines in a bubble
// with jitter and checks every datagram arrives (run with -race).
func TestNetworkConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(9)
		n.SetDefaultLink(LinkConfig{Delay: 5 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: 0.2})
		a, b := attach(t, n, lo1), attach(t, n, lo2)
		const count = 500
		var wg sync.WaitGroup
		seen := make([]int, count)
		wg.Go(func() {
			buf := make([]byte, 2)
			for range count {
				if _, _, err := b.ReadFromUDPAddrPort(buf); err != nil {
					t.Error(err)
					return
				}
				seen[int(buf[0])<<8|int(buf[1])]++
				b.WriteToUDPAddrPort(buf, lo1) // echo
			}
		})
		wg.Go(func() {
			buf := make([]byte, 2)
			for range count {
				if _, _, err := a.ReadFromUDPAddrPort(buf); err != nil {
					t.Error(err)
					return
				}
			}
		})
		for i := range count {
			a.WriteToUDPAddrPort([]byte{byte(i >> 8), byte(i)}, lo2)
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("datagram %d seen %d times", i, c)
			}
		}
		if st := n.Stats(); st.Reordered == 0 || st.Delivered != 2*count {
			t.Fatalf("stats %v", st)
		}
		a.Close()
		b.Close()
	})
}

func TestNetworkFilter(t *testing.T) {
	n := New(1)
	a, b := attach(t, n, lo1), attach(t, n, lo2)
	defer a.Close()
	defer b.Close()
	n.SetFilter(func(_, _ netip.AddrPort, pkt []byte) bool { return pkt[0] == 'x' })
	a.WriteToUDPAddrPort([]byte("x1"), lo2)
	a.WriteToUDPAddrPort([]byte("ok"), lo2)
	buf := make([]byte, 8)
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if nr, _, err := b.ReadFromUDPAddrPort(buf); err != nil || string(buf[:nr]) != "ok" {
		t.Fatalf("%q %v", buf[:nr], err)
	}
	if st := n.Stats(); st.Dropped[DropFilter] != 1 || st.Delivered != 1 {
		t.Fatalf("stats %v", st)
	}
}

// TestNetworkDeterministic replays one writer's impaired traffic in two
// bubbles with the same seed: the arrival order and times are identical.
func TestNetworkDeterministic(t *testing.T) {
	run := func(seed uint64) []string {
		var log []string
		synctest.Test(t, func(t *testing.T) {
			n := New(seed)
			n.SetDefaultLink(LinkConfig{Delay: 5 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.2, Duplicate: 0.1})
			a, b := attach(t, n, lo1), attach(t, n, lo2)
			defer a.Close()
			defer b.Close()
			start := time.Now()
			for i := range 200 {
				a.WriteToUDPAddrPort([]byte{byte(i)}, lo2)
			}
			b.SetReadDeadline(start.Add(time.Second))
			buf := make([]byte, 1)
			for {
				if _, _, err := b.ReadFromUDPAddrPort(buf); err != nil {
					break
				}
				log = append(log, fmt.Sprint(buf[0], time.Since(start)))
			}
		})
		return log
	}
	l1, l2, l3 := run(5), run(5), run(6)
	if len(l1) < 100 || !slices.Equal(l1, l2) {
		t.Fatalf("same seed, different arrivals (%d vs %d)", len(l1), len(l2))
	}
	if slices.Equal(l1, l3) {
		t.Fatal("different seeds, same arrivals")
	}
}

// A link with a delay but no reordering is FIFO even though the timers of
// datagrams sent at the same instant fire in no fixed order.
func TestNetworkFIFOWithoutReorder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(3)
		n.SetDefaultLink(LinkConfig{Delay: 2 * time.Millisecond})
		a, err := n.Attach(netip.MustParseAddrPort("10.0.0.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := n.Attach(netip.MustParseAddrPort("10.0.0.2:2"))
		if err != nil {
			t.Fatal(err)
		}
		const count = 500
		for i := 0; i < count; i++ {
			if _, err := a.WriteToUDPAddrPort([]byte{byte(i), byte(i >> 8)}, b.addr); err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, 16)
		for i := 0; i < count; i++ {
			m, _, err := b.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := int(buf[0]) | int(buf[1])<<8; m != 2 || got != i {
				t.Fatalf("datagram %d: got %d (len %d): link reordered", i, got, m)
			}
		}
	})
}
