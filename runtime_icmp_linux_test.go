//go:build linux

package sctp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// deadUDPPort returns a UDP port of ip that nothing listens on (a moment
// ago): the kernel answers datagrams to it with ICMP port unreachable.
func deadUDPPort(t *testing.T, ip netip.Addr) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		t.Skipf("no UDP on %v: %v", ip, err)
	}
	p := uint16(c.LocalAddr().(*net.UDPAddr).Port)
	c.Close()
	return p
}

func icmpTestStack(t *testing.T, network string, laddr netip.AddrPort) *Stack {
	t.Helper()
	st, err := NewStack(StackConfig{Network: network, LocalAddr: laddr, LoggerFactory: quietLogger()})
	if err != nil {
		t.Skipf("stack on %v: %v", laddr, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// dialICMP dials 127.0.0.1:5000 at UDP port udpPort from a real UDP
// socket and checks that the kernel's ICMP port unreachable ends the
// attempt at once (RFC 6951 §5.6) instead of after Max.Init.Retransmits
// (about 4 minutes): the error matches ErrPortUnreachable and
// ErrConnectFailed, names the port, and comes well before the first INIT
// retransmission (RTO.Initial 1 s) would even be due.
func dialICMP(t *testing.T, st *Stack, udpPort uint16) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t0 := time.Now()
	c, err := Dial(ctx, "sctp", "127.0.0.1:5000", &Config{Stack: st, RemoteUDPPort: udpPort})
	took := time.Since(t0)
	if err == nil {
		c.Close()
		t.Fatal("Dial to a UDP port where nothing listens succeeded")
	}
	if !errors.Is(err, ErrPortUnreachable) || !errors.Is(err, ErrConnectFailed) {
		t.Fatalf("Dial: %v; want ErrPortUnreachable and ErrConnectFailed", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("Dial error %v reports a timeout; the peer answered (ICMP)", err)
	}
	if !strings.Contains(err.Error(), "ICMP port unreachable") || !strings.Contains(err.Error(), "RemoteUDPPort") {
		t.Errorf("Dial error %q does not say what happened and what to check", err)
	}
	// Generous for a loaded machine (the ICMP error comes back in
	// microseconds on loopback); without ICMP handling the INIT
	// retransmissions would take minutes.
	if took > 2*time.Second {
		t.Errorf("Dial took %v, want well under 2 s", took)
	}
	t.Logf("Dial failed after %v: %v", took, err)
	s, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.ICMPIn == 0 || s.ICMPIn == s.ICMPIgnored || s.Associations != 0 {
		t.Errorf("stats ICMPIn %d ICMPIgnored %d Associations %d", s.ICMPIn, s.ICMPIgnored, s.Associations)
	}
}

func TestDialICMPPortUnreachable(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, network := range []string{"udp", "udp4"} {
		t.Run(network, func(t *testing.T) {
			st := icmpTestStack(t, network, netip.AddrPort{})
			dialICMP(t, st, deadUDPPort(t, lo))
		})
	}
}

// The listener's stack is bound to [::1] only and the client dials
// 127.0.0.1 at its UDP port: nothing listens there on IPv4, and the
// client learns so from the ICMP error instead of waiting minutes.
func TestDialICMPListenerOnIPv6Only(t *testing.T) {
	srv := icmpTestStack(t, "udp6", netip.MustParseAddrPort("[::1]:0"))
	ln, err := Listen("sctp6", "[::1]:5000", &Config{Stack: srv})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := srv.LocalUDPAddr().Port()
	if c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)}); err != nil {
		t.Skipf("UDP 127.0.0.1:%d is taken: %v", port, err)
	} else {
		c.Close()
	}
	dialICMP(t, icmpTestStack(t, "udp", netip.AddrPort{}), port)
}

// Without any ICMP (a peer socket that swallows every INIT), a context
// deadline ends Dial at the deadline, long before Max.Init.Retransmits.
func TestDialContextDeadlineWinsOverInitRetransmissions(t *testing.T) {
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() {
		b := make([]byte, 2048)
		for {
			if _, _, err := sink.ReadFrom(b); err != nil {
				return
			}
		}
	}()
	st := icmpTestStack(t, "udp4", netip.MustParseAddrPort("127.0.0.1:0"))
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err = Dial(ctx, "sctp", "127.0.0.1:5000", &Config{Stack: st, RemoteUDPPort: uint16(sink.LocalAddr().(*net.UDPAddr).Port)})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrPortUnreachable) {
		t.Fatalf("Dial: %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(t0); took > 30*time.Second {
		t.Fatalf("Dial returned after %v, deadline was 1.5 s", took)
	}
	s, _ := st.Stats()
	if s.ICMPIn != 0 {
		t.Errorf("ICMPIn %d from a socket that swallows INITs", s.ICMPIn)
	}
}
