package sctp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/usctp/sctp/internal/pcap"
)

// syncBuffer is a bytes.Buffer safe for the stack's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// hookStack opens a stack on 127.0.0.1 recording a pcap capture.
func hookStack(t *testing.T) (*Stack, *syncBuffer) {
	t.Helper()
	capture := new(syncBuffer)
	st, err := NewStack(StackConfig{Network: "udp4", LocalAddr: netip.MustParseAddrPort("127.0.0.1:0"), Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, capture
}

// captured counts the datagrams of a capture sent from and to local.
func captured(t *testing.T, capture []byte, local netip.AddrPort) (out, in int) {
	t.Helper()
	ds, err := pcap.ReadDatagrams(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if _, _, err := parsePacket(d.Payload); err != nil {
			t.Errorf("record %d: %v", i+1, err)
		}
		switch {
		case d.Src == local:
			out++
		case d.Dst == local:
			in++
		default:
			t.Errorf("record %d: %v -> %v, not from or to %v", i+1, d.Src, d.Dst, local)
		}
	}
	return out, in
}

func hookPair(t *testing.T) (cli, srv *Conn, cliSt *Stack, capture *syncBuffer) {
	t.Helper()
	srvSt, _ := hookStack(t)
	cliSt, capture = hookStack(t)
	ln, err := Listen("sctp4", "127.0.0.1:5001", &Config{Stack: srvSt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err = Dial(ctx, "sctp4", "127.0.0.1:5001", &Config{Stack: cliSt, RemoteUDPPort: srvSt.LocalUDPAddr().Port()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	if srv, err = ln.AcceptContext(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli.SetDeadline(time.Now().Add(10 * time.Second))
	srv.SetDeadline(time.Now().Add(10 * time.Second))
	return cli, srv, cliSt, capture
}

func TestNewStackInvalidConfig(t *testing.T) {
	for _, cfg := range []StackConfig{{Network: "tcp"}, {MTU: -1}, {MaxMessageSize: -1}} {
		if _, err := NewStack(cfg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewStack(%+v) = %v, want ErrInvalidArgument", cfg, err)
		}
	}
}

// TestHooksGracefulStats: the capture records the traffic (flushed on
// Stack.Close), Stats reflects it, EndReason is nil while open and
// ErrClosed after a graceful shutdown.
func TestHooksGracefulStats(t *testing.T) {
	cli, srv, cliSt, capture := hookPair(t)
	if err := cli.EndReason(); err != nil {
		t.Fatalf("EndReason of an open association = %v", err)
	}
	for i := 0; i < 10; i++ {
		if _, err := cli.Write([]byte("0123456789")); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64)
	for i := 0; i < 10; i++ {
		if n, err := srv.Read(buf); err != nil || n != 10 {
			t.Fatalf("Read %d: %d, %v", i, n, err)
		}
	}
	st, err := cli.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.State != SCTP_ESTABLISHED || st.DataChunksOut < 10 || st.Cwnd == 0 || st.PacketsOut == 0 {
		t.Errorf("client Stats %+v: want ESTABLISHED, ≥10 DATA chunks, cwnd > 0", st)
	}
	if err := cli.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Read(buf); err != io.EOF {
		t.Fatalf("server Read after CloseWrite = %v, want io.EOF", err)
	}
	if _, err := cli.Read(buf); err != io.EOF {
		t.Fatalf("client Read after shutdown = %v, want io.EOF", err)
	}
	for _, c := range []*Conn{cli, srv} {
		if err := c.EndReason(); !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
			t.Errorf("EndReason after graceful shutdown = %v, want ErrClosed", err)
		}
	}
	local := cliSt.LocalUDPAddr()
	if err := cliSt.Close(); err != nil {
		t.Fatal(err)
	}
	if out, in := captured(t, capture.Bytes(), local); out < int(st.PacketsOut) || in == 0 {
		t.Errorf("capture holds %d out / %d in, association sent %d packets", out, in, st.PacketsOut)
	}
}

// TestHooksAbortReason: after the peer aborts, EndReason carries the
// peer's cause (whatever the read error was).
func TestHooksAbortReason(t *testing.T) {
	cli, srv, _, _ := hookPair(t)
	if _, err := srv.WriteMsg([]byte("bye now"), &SndInfo{Flags: MSG_ABORT}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := cli.Read(buf); err != io.EOF && !errors.Is(err, ErrAborted) {
		t.Fatalf("Read after peer abort = %v, want io.EOF or ErrAborted", err)
	}
	err := cli.EndReason()
	var ae *AbortError
	if !errors.As(err, &ae) || !ae.ByPeer || ae.Cause != 12 || ae.Reason != "bye now" {
		t.Fatalf("EndReason = %#v, want *AbortError by peer, cause 12, reason %q", err, "bye now")
	}
}
