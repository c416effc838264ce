package sctp

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// countingConn counts the datagrams a stack reads and writes (what the
// sctpcat -pcap tap sees).
type countingConn struct {
	*udpencap.Conn
	in, out atomic.Int64
}

func (c *countingConn) ReadBatch(ms []udpencap.Message) (int, error) {
	n, err := c.Conn.ReadBatch(ms)
	c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) WriteBatch(ms []udpencap.Message) (int, error) {
	n, err := c.Conn.WriteBatch(ms)
	c.out.Add(int64(n))
	return n, err
}

func hookStack(t *testing.T) (*Stack, *countingConn) {
	t.Helper()
	uc, err := udpencap.Listen("udp4", netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	pc := &countingConn{Conn: uc}
	st, err := NewStackOn(StackConfig{}, pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if st.LocalUDPAddr() != uc.LocalAddr() {
		t.Fatalf("LocalUDPAddr %v, socket %v", st.LocalUDPAddr(), uc.LocalAddr())
	}
	return st, pc
}

func hookPair(t *testing.T) (cli, srv *Conn, cpc *countingConn) {
	t.Helper()
	srvSt, _ := hookStack(t)
	cliSt, cpc := hookStack(t)
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
	return cli, srv, cpc
}

func TestNewStackOnNil(t *testing.T) {
	if _, err := NewStackOn(StackConfig{}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewStackOn(nil) = %v, want ErrInvalidArgument", err)
	}
}

// TestHooksGracefulStats: traffic goes through the caller's PacketConn,
// Stats reflects it, EndReason is nil while open and ErrClosed after a
// graceful shutdown.
func TestHooksGracefulStats(t *testing.T) {
	cli, srv, cpc := hookPair(t)
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
	if st.State != StateEstablished || st.DataChunksOut < 10 || st.Cwnd == 0 || st.PacketsOut == 0 {
		t.Errorf("client Stats %+v: want ESTABLISHED, ≥10 DATA chunks, cwnd > 0", st)
	}
	if cpc.out.Load() < int64(st.PacketsOut) || cpc.in.Load() == 0 {
		t.Errorf("PacketConn saw %d out / %d in, association sent %d packets", cpc.out.Load(), cpc.in.Load(), st.PacketsOut)
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
}

// TestHooksAbortReason: after the peer aborts, EndReason carries the
// peer's cause (whatever the read error was).
func TestHooksAbortReason(t *testing.T) {
	cli, srv, _ := hookPair(t)
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
