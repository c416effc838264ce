package sctp

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/chunk"
)

// lockedBuffer is an io.Writer shared by the loggers of several scopes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// levelFactory makes pion loggers of one level writing to w.
type levelFactory struct {
	level logging.LogLevel
	w     io.Writer
}

func (f levelFactory) NewLogger(scope string) logging.LeveledLogger {
	return logging.NewDefaultLeveledLoggerForScope(scope, f.level, f.w)
}

// logStack is a stack on a free UDP port of 127.0.0.1 whose INITs go to
// remote UDP port remote (0: 9899), logging through f.
func logStack(tb testing.TB, f logging.LoggerFactory, remote uint16) *Stack {
	tb.Helper()
	st, err := NewStack(StackConfig{LocalAddr: lo4, RemoteUDPPort: remote, LoggerFactory: f})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// waitLog waits until the log holds every one of want (the log is written
// by the stack's loop; bounded by testTimeout).
func waitLog(t *testing.T, w *lockedBuffer, want ...string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		s := w.String()
		missing := ""
		for _, x := range want {
			if !strings.Contains(s, x) {
				missing = x
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q; log:\n%s", missing, s)
		}
		time.Sleep(5 * time.Millisecond) // polling a log written by another goroutine; bounded above
	}
}

// TestLogLinkEvents: with debug and trace on, the log says what a person
// debugging a link needs: every packet in and out with its chunks, the
// scopes of the three layers, T3-rtx expiries with RTO and cwnd, path
// state, ABORTs received, out-of-the-blue packets and why, bad checksums,
// rejected cookies.
func TestLogLinkEvents(t *testing.T) {
	var cliLog, srvLog lockedBuffer
	srvSt := logStack(t, levelFactory{logging.LogLevelTrace, &srvLog}, 0)
	srv, addr := listenTCP(t, srvSt)
	relay := newUDPRelay(t, srvSt.LocalUDPAddr())
	cliSt := logStack(t, levelFactory{logging.LogLevelTrace, &cliLog}, relay.port())

	cli := connectFailFast(t, cliSt, addr, EventSubscribe{Association: true})
	accept(t, srv)
	if _, err := cli.SCTPSend([]byte("acked"), nil); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &cliLog, "sctp-runtime TRACE", "out 127.0.0.1:", "INIT(tag ", "COOKIE_ECHO", "DATA(tsn ", "stream 0", "5 B, BE)", "in 127.0.0.1:", "SACK(cum ",
		"sctp-engine DEBUG", "COOKIE-ECHOED -> ESTABLISHED", "sctp-api DEBUG", "connecting to "+addr.String())
	waitLog(t, &srvLog, "socket listening on SCTP port")

	// The peer vanishes: T3-rtx, the path goes down, the association fails.
	relay.kill()
	if _, err := cli.SCTPSend([]byte("never acknowledged"), nil); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &cliLog, "T3-rtx expired (", "RTO ", "cwnd ", "is now ADDR_UNREACHABLE", "-> CLOSED (COMM_LOST", "ABORT sent (peer unreachable")

	// A connect to an SCTP port nobody listens on: the server logs the
	// OOTB INIT, the client the ABORT that refused it.
	c2 := newTCP(t, cliSt)
	if err := c2.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, srvSt.LocalUDPAddr().Port()); err != nil {
		t.Fatal(err)
	}
	if err := c2.Connect(netip.AddrPortFrom(addr.Addr(), addr.Port()+1)); err == nil {
		t.Fatal("connect to a port without listener succeeded")
	}
	waitLog(t, &srvLog, "out-of-the-blue packet from 127.0.0.1:", "has no listener or association", "answered with ABORT", "(rule 3)")
	waitLog(t, &cliLog, "ABORT received in state COOKIE-WAIT: no cause")

	// Hostile datagrams: a bad checksum, a forged cookie, an OOTB DATA.
	raw, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(srvSt.LocalUDPAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	pkt := appendCommonHeader(nil, commonHeader{SrcPort: 7, DstPort: addr.Port(), VerificationTag: 1})
	pkt = (&chunk.CookieEcho{Cookie: bytes.Repeat([]byte{0xAB}, 80)}).AppendTo(pkt)
	finalizePacket(pkt)
	raw.Write(pkt)
	pkt[len(pkt)-1] ^= 1 // now the checksum fails
	raw.Write(pkt)
	data := appendCommonHeader(nil, commonHeader{SrcPort: 7, DstPort: addr.Port(), VerificationTag: 99})
	data = (&chunk.Data{TSN: 1, Beginning: true, Ending: true, UserData: []byte("x")}).AppendTo(data)
	finalizePacket(data)
	raw.Write(data)
	waitLog(t, &srvLog, "COOKIE ECHO from 127.0.0.1:", "rejected: it does not authenticate", "bad CRC32c checksum",
		"DATA(tsn 1, stream 0", "has no association from this peer and port; answered with ABORT")
}

// TestLogLevelsFromFactory: the levels are found from the logger itself:
// off, debug only, trace (which implies debug).
func TestLogLevelsFromFactory(t *testing.T) {
	for _, c := range []struct {
		level        logging.LogLevel
		debug, trace bool
	}{
		{logging.LogLevelInfo, false, false},
		{logging.LogLevelDebug, true, false},
		{logging.LogLevelTrace, true, true},
	} {
		var w lockedBuffer
		l := newLeveledLog(levelFactory{c.level, &w}, logScopeEngine)
		if l.debug != c.debug || l.trace != c.trace {
			t.Errorf("level %v: debug %v trace %v, want %v %v", c.level, l.debug, l.trace, c.debug, c.trace)
		}
		if on := strings.Contains(w.String(), "logging on"); on != c.debug {
			t.Errorf("level %v: probe line printed %v (%q)", c.level, on, w.String())
		}
	}
}

// logConnPair is an established Conn pair whose stacks log through f.
func logConnPair(tb testing.TB, f logging.LoggerFactory) (c, s *Conn) {
	tb.Helper()
	srvSt := logStack(tb, f, 0)
	cliSt := logStack(tb, f, srvSt.LocalUDPAddr().Port())
	ln, err := Listen("sctp4", "127.0.0.1:0", &Config{Stack: srvSt})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err = Dial(ctx, ln.Addr().Network(), ln.Addr().String(), &Config{Stack: cliSt})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if s, err = ln.AcceptContext(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))
	s.SetDeadline(time.Now().Add(testTimeout))
	return c, s
}

// TestLogOffNoAlloc: with debug and trace off, the log call sites on the
// hot path (every packet in and out, every SACK) allocate nothing: a
// steady-state Write+Read allocates 0 times. With trace on the same loop
// allocates, which shows the call sites are on that path.
func TestLogOffNoAlloc(t *testing.T) {
	for _, c := range []struct {
		level   logging.LogLevel
		wantOff bool
	}{{logging.LogLevelInfo, true}, {logging.LogLevelTrace, false}} {
		cc, ss := logConnPair(t, levelFactory{c.level, io.Discard})
		msg, buf := make([]byte, 1000), make([]byte, 2000)
		step := func() {
			if _, err := cc.Write(msg); err != nil {
				t.Fatal(err)
			}
			if n, err := ss.Read(buf); err != nil || n != len(msg) {
				t.Fatalf("Read = %d, %v", n, err)
			}
		}
		for i := 0; i < 100; i++ {
			step()
		}
		a := testing.AllocsPerRun(300, step)
		switch {
		case c.wantOff && a > 0.1:
			t.Errorf("level %v: %.2f allocations per Write+Read, want 0", c.level, a)
		case !c.wantOff && a < 1:
			t.Errorf("level %v: %.2f allocations per Write+Read; trace formats every packet, so the log sites are not on the path", c.level, a)
		}
	}
}

// BenchmarkConnLogLevels: a 1000-byte Write+Read over a Conn pair with
// logging off, at debug and at trace (to io.Discard): run with -benchmem;
// off and debug allocate nothing per message.
func BenchmarkConnLogLevels(b *testing.B) {
	for _, c := range []struct {
		name  string
		level logging.LogLevel
	}{{"off", logging.LogLevelError}, {"debug", logging.LogLevelDebug}, {"trace", logging.LogLevelTrace}} {
		b.Run(c.name, func(b *testing.B) {
			cc, ss := logConnPair(b, levelFactory{c.level, io.Discard})
			msg, buf := make([]byte, 1000), make([]byte, 2000)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cc.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := ss.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
