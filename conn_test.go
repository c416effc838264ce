package sctp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// listenConn returns a Listener on 127.0.0.1 of a fresh stack and a client
// Config whose stack reaches it.
func listenConn(t *testing.T) (*Listener, *Config) {
	t.Helper()
	srvSt, cliSt := stackPair(t)
	ln, err := Listen("sctp4", "127.0.0.1:0", &Config{Stack: srvSt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	a, ok := ln.Addr().(*Addr)
	if !ok || a.Port() == 0 || a.UDPPort != srvSt.LocalUDPAddr().Port() || ln.Addr().Network() != "sctp" {
		t.Fatalf("Listener.Addr() = %v", ln.Addr())
	}
	return ln, &Config{Stack: cliSt}
}

func dialConn(t *testing.T, ln *Listener, cfg *Config) (*Conn, *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, "sctp4", ln.Addr().(*Addr).AddrPort.String(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.AcceptContext(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))
	s.SetDeadline(time.Now().Add(testTimeout))
	return c, s
}

func TestConnImplementsNet(t *testing.T) {
	var _ net.Conn = (*Conn)(nil)
	var _ net.Listener = (*Listener)(nil)
	var _ net.Addr = (*Addr)(nil)
}

// TestConnEcho: net.Conn echo; each Write is one message, each Read one
// message.
func TestConnEcho(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	go func() { // echo; io.Copy would not do: its 32 KiB buffer is smaller than a message
		buf := make([]byte, 64*1024)
		for {
			n, err := s.Read(buf)
			if err != nil {
				return
			}
			s.Write(buf[:n])
		}
	}()

	for _, size := range []int{1, 1000, 5000, 60000} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		if n, err := c.Write(msg); err != nil || n != size {
			t.Fatalf("Write(%d) = %d, %v", size, n, err)
		}
		buf := make([]byte, 64*1024)
		n, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("Read = %d, %v; want the %d-byte message", n, err, size)
		}
	}
	if c.RemoteAddr().String() != ln.Addr().(*Addr).AddrPort.String()+"/udp:"+strconv.Itoa(int(ln.Addr().(*Addr).UDPPort)) {
		t.Errorf("RemoteAddr %v, listener %v", c.RemoteAddr(), ln.Addr())
	}
}

// TestConnReadMsgWriteMsg: stream, PPID and unordered flag travel with
// WriteMsg and come back from ReadMsg.
func TestConnReadMsgWriteMsg(t *testing.T) {
	ln, cfg := listenConn(t)
	cfg.InitMsg = InitMsg{NumOstreams: 10, MaxInstreams: 10}
	c, s := dialConn(t, ln, cfg)
	if _, err := c.WriteMsg([]byte("ngap"), &SndInfo{Stream: 9, PPID: PPID_NGAP, Flags: MSG_UNORDERED}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, info, err := s.ReadMsg(buf)
	if err != nil || string(buf[:n]) != "ngap" || info.Stream != 9 || info.PPID != 60 || info.Flags&MSG_UNORDERED == 0 || info.AssocID != s.AssocID() {
		t.Fatalf("ReadMsg = %q %+v %v", buf[:n], info, err)
	}
	if _, err := c.WriteMsg([]byte("x"), &SndInfo{Stream: 10}); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("stream 10 of 10: %v", err)
	}
}

// TestConnShortBuffer: a Read with a too-small buffer returns an
// io.ErrShortBuffer-matching error naming the size, and the message stays.
func TestConnShortBuffer(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	c.Write([]byte("0123456789"))
	c.Write([]byte("next"))
	small := make([]byte, 4)
	n, err := s.Read(small)
	var sb *ShortBufferError
	if n != 0 || !errors.Is(err, io.ErrShortBuffer) || !errors.As(err, &sb) || sb.Need != 10 {
		t.Fatalf("Read into 4 bytes = %d, %v; want ShortBufferError{Need: 10}", n, err)
	}
	buf := make([]byte, 10)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "0123456789" {
		t.Fatalf("Read after short buffer = %q, %v", buf[:n], err)
	}
	if n, err := s.Read(small); err != nil || string(small[:n]) != "next" {
		t.Fatalf("next Read = %q, %v", small[:n], err)
	}
}

// TestConnEOFAfterCloseWrite: the reader gets every message, then io.EOF.
func TestConnEOFAfterCloseWrite(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	for _, m := range []string{"a", "b", "c"} {
		c.Write([]byte(m))
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	for _, want := range []string{"a", "b", "c"} {
		if n, err := s.Read(buf); err != nil || string(buf[:n]) != want {
			t.Fatalf("Read = %q, %v; want %q", buf[:n], err, want)
		}
	}
	if _, err := s.Read(buf); err != io.EOF {
		t.Fatalf("Read after peer CloseWrite: %v, want io.EOF", err)
	}
}

// TestConnCloseUnblocksRead and deadlines.
func TestConnCloseUnblocksRead(t *testing.T) {
	ln, cfg := listenConn(t)
	c, _ := dialConn(t, ln, cfg)
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past deadline: %v", err)
	}
	var oe *net.OpError
	c.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 10)); errc <- err }()
	time.Sleep(20 * time.Millisecond) // let Read block; not a result wait
	c.Close()
	err := awaitErr(t, errc, "Close did not unblock Read")
	if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) || oe.Op != "read" {
		t.Errorf("Read unblocked by Close: %v", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
}

// TestListenerCloseUnblocksAccept.
func TestListenerCloseUnblocksAccept(t *testing.T) {
	ln, _ := listenConn(t)
	errc := make(chan error, 1)
	go func() { _, err := ln.Accept(); errc <- err }()
	time.Sleep(20 * time.Millisecond) // let Accept block; not a result wait
	ln.Close()
	err := awaitErr(t, errc, "Close did not unblock Accept")
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept unblocked by Close: %v", err)
	}
}

// TestDialErrors: bad network, bad address, silent peer.
func TestDialErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	st := testStack(t, lo4, 0)
	if _, err := Dial(ctx, "tcp", "127.0.0.1:1", &Config{Stack: st}); err == nil {
		t.Error("Dial over tcp succeeded")
	}
	if _, err := Dial(ctx, "sctp", "127.0.0.1", &Config{Stack: st}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Dial without port: %v", err)
	}
	sink, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo4))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	_, err = Dial(short, "sctp4", "127.0.0.1:7", &Config{Stack: st, RemoteUDPPort: sink.LocalAddr().(*net.UDPAddr).AddrPort().Port()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial to a silent peer with a 100 ms context: %v", err)
	}
}

// TestConnSteadyStateNoAlloc: once warmed up, a Write and the matching
// Read of a 1000-byte message allocate nothing (hot path: no allocation per message).
func TestConnSteadyStateNoAlloc(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	msg := make([]byte, 1000)
	buf := make([]byte, 2000)
	step := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Read(buf); err != nil || n != len(msg) {
			t.Fatalf("Read = %d, %v", n, err)
		}
	}
	for i := 0; i < 100; i++ {
		step()
	}
	if a := testing.AllocsPerRun(300, step); a > 0.1 {
		t.Errorf("%.2f allocations per Write+Read, want 0", a)
	}
}

// TestConnReadAfterPeerAbort: an abort is not an end of file: Read returns
// an error matching ErrAborted with the peer's reason.
func TestConnReadAfterPeerAbort(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	c.Write([]byte("last"))
	if _, err := c.Socket().SCTPSend([]byte("operator request"), &SndInfo{Flags: MSG_ABORT}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	// "last" may or may not have been delivered before the ABORT.
	n, err := s.Read(buf)
	if err == nil && string(buf[:n]) == "last" {
		n, err = s.Read(buf)
	}
	var ae *AbortError
	if !errors.Is(err, ErrAborted) || !errors.As(err, &ae) || ae.Reason != "operator request" || err == io.EOF {
		t.Fatalf("Read after peer abort = %d, %v; want ErrAborted with the reason", n, err)
	}
}

// TestConnBlockedWriteNoAlloc: with a send buffer smaller than what is in
// flight, most Writes wait for SACKs; waiting costs no allocation (the
// send waits on the socket's channels, not on a helper goroutine and
// context per blocked call).
func TestConnBlockedWriteNoAlloc(t *testing.T) {
	ln, cfg := listenConn(t)
	cfg.SndBuf = 4096
	c, s := dialConn(t, ln, cfg)
	go func() {
		b := make([]byte, 2000)
		for {
			if _, err := s.Read(b); err != nil {
				return
			}
		}
	}()
	msg := make([]byte, 1000)
	write := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 500; i++ {
		write()
	}
	if a := testing.AllocsPerRun(2000, write); a > 0.2 {
		t.Errorf("%.2f allocations per Write with a full send buffer, want 0", a)
	}
}

// TestConnStatsAfterEnd: after the graceful shutdown the counters are
// those at the end (State CLOSED), not zeros: a transfer's totals are read
// once everything is acknowledged (sctpcat connect -n's last line).
func TestConnStatsAfterEnd(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	for range 3 {
		if _, err := c.Write([]byte("abc")); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	for {
		if _, err := s.Read(buf); err != nil {
			break
		}
	}
	// c's Read returns io.EOF once its association has ended (the
	// deadline only bounds a failure; Stats then shows it open).
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.State != SCTP_CLOSED || st.DataChunksOut != 3 || st.Cwnd == 0 {
		t.Fatalf("Stats after the end: state %v, %d DATA chunks out, cwnd %d; want CLOSED, 3, > 0", st.State, st.DataChunksOut, st.Cwnd)
	}
}
