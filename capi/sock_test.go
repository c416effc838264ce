//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	sctp "github.com/usctp/sctp"
	"golang.org/x/sys/unix"
)

// These tests drive the C ABI's Go side (handles, slots, readiness,
// errors) without Python, under -race.

func testStack(t *testing.T) {
	t.Helper()
	stackMu.Lock()
	if stack == nil {
		st, err := sctp.NewStack(sctp.StackConfig{LocalAddr: netip.MustParseAddrPort("127.0.0.1:0")})
		if err != nil {
			stackMu.Unlock()
			t.Fatal(err)
		}
		stack = st
	}
	stackMu.Unlock()
}

func mustSock(t *testing.T, style int) *sock {
	t.Helper()
	testStack(t)
	h, err := newSocket(int(syscall.AF_INET), style)
	if err != nil {
		t.Fatal(err)
	}
	k, err := lookup(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if unregister(h) != nil {
			k.close()
		}
	})
	return k
}

func op(t *testing.T, k *sock, name string, args any) map[string]any {
	t.Helper()
	in, _ := json.Marshal(args)
	v, err := doOp(k, name, in, 10000)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m, _ := v.(map[string]any)
	return m
}

// readable polls the readiness descriptor without waiting.
func readable(t *testing.T, k *sock) bool {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(k.rd.FD()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1 && fds[0].Revents&unix.POLLIN != 0
}

// waitReadable waits (bounded) for the descriptor to become readable.
func waitReadable(t *testing.T, k *sock) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(k.rd.FD()), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 10000); err != nil || n != 1 {
		t.Fatalf("descriptor not readable within 10 s (n=%d, err=%v)", n, err)
	}
}

// pair returns a connected one-to-one client and the accepted server
// socket on port.
func pair(t *testing.T, port int) (cli, srv *sock) {
	t.Helper()
	ln := mustSock(t, 1)
	op(t, ln, "bind", map[string]any{"addr": []any{"127.0.0.1", port}})
	op(t, ln, "listen", map[string]any{"backlog": 1})
	if readable(t, ln) {
		t.Fatal("listener readable before any association")
	}
	cli = mustSock(t, 1)
	op(t, cli, "connect", map[string]any{"addr": []any{"127.0.0.1", port}})
	waitReadable(t, ln)
	r := op(t, ln, "accept", nil)
	srv, err := lookup(int64(r["handle"].(int64)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if unregister(srv.h) != nil {
			srv.close()
		}
	})
	return cli, srv
}

func send(t *testing.T, k *sock, msg string, si sctp.SndInfo) {
	t.Helper()
	if _, err := k.s.SCTPSend([]byte(msg), &si); err != nil {
		t.Fatal(err)
	}
}

func TestSockPartialReadsAndReadiness(t *testing.T) {
	cli, srv := pair(t, 11001)
	if readable(t, srv) {
		t.Fatal("readable with nothing sent")
	}
	send(t, cli, "0123456789", sctp.SndInfo{Stream: 1, PPID: 60})
	send(t, cli, "ab", sctp.SndInfo{})
	waitReadable(t, srv)
	var got string
	for i := 0; ; i++ {
		r, err := srv.recv(4, -1)
		if err != nil {
			t.Fatal(err)
		}
		got += string(r.Msg)
		if r.Flags&sctp.MSG_EOR != 0 {
			if r.Info.Stream != 1 || r.Info.PPID != 60 {
				t.Fatalf("info %+v", r.Info)
			}
			break
		}
		if len(r.Msg) != 4 || !readable(t, srv) {
			t.Fatalf("piece %d: %q, readable %v", i, r.Msg, readable(t, srv))
		}
	}
	if got != "0123456789" {
		t.Fatalf("got %q", got)
	}
	waitReadable(t, srv) // "ab" waits
	if r, err := srv.recv(100, 0); err != nil || string(r.Msg) != "ab" {
		t.Fatalf("second message %v %v", r, err)
	}
	if readable(t, srv) {
		t.Fatal("readable after everything was read")
	}
	if _, err := srv.recv(100, 0); !errors.Is(err, errWouldBlock) || errCode(err) != "EAGAIN" {
		t.Fatalf("non-blocking recv: %v", err)
	}
	start := time.Now()
	if _, err := srv.recv(100, 50); errCode(err) != "timeout" {
		t.Fatalf("recv with timeout: %v", err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Fatal("timeout returned early")
	}
	// Graceful close by the peer: EOF, sticky, readable.
	cli.close()
	waitReadable(t, srv)
	for i := 0; i < 2; i++ {
		if _, err := srv.recv(100, 1000); !errIsEOF(err) {
			t.Fatalf("after peer close: %v", err)
		}
	}
}

func TestSockCloseUnblocks(t *testing.T) {
	_, srv := pair(t, 11002)
	done := make(chan error, 1)
	go func() {
		_, err := srv.recv(100, -1)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("recv returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := srv.close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if errCode(err) != "EBADF" {
			t.Fatalf("blocked recv after close: %v (%s)", err, errCode(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close did not unblock recv")
	}
	if err := srv.close(); !errors.Is(err, errBadHandle) {
		t.Fatalf("second close: %v", err)
	}
}

// TestSockPeeloffMovesPrefetched: an item the receive pump already took
// from the library moves with its association on Peeloff.
func TestSockPeeloffMovesPrefetched(t *testing.T) {
	srv := mustSock(t, 5)
	op(t, srv, "bind", map[string]any{"addr": []any{"127.0.0.1", 11003}})
	op(t, srv, "listen", map[string]any{"backlog": 4})
	a := mustSock(t, 1)
	op(t, a, "connect", map[string]any{"addr": []any{"127.0.0.1", 11003}})
	b := mustSock(t, 1)
	op(t, b, "connect", map[string]any{"addr": []any{"127.0.0.1", 11003}})
	send(t, a, "from a", sctp.SndInfo{})
	waitReadable(t, srv) // the pump holds "from a"
	send(t, b, "from b", sctp.SndInfo{})
	var aid sctp.AssocID
	srv.mu.Lock()
	if it := srv.recvSlot; it != nil && it.r != nil {
		aid = it.r.Info.AssocID
	}
	srv.mu.Unlock()
	if aid == 0 {
		t.Fatal("no prefetched item")
	}
	p, err := srv.peeloff(aid)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if !readable(t, p) {
		t.Fatal("peeled socket not readable with its prefetched message")
	}
	if r, err := p.recv(100, 1000); err != nil || string(r.Msg) != "from a" {
		t.Fatalf("peeled recv: %v %v", r, err)
	}
	if r, err := srv.recv(100, 10000); err != nil || string(r.Msg) != "from b" {
		t.Fatalf("parent recv: %v %v", r, err)
	}
}

func TestErrCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{errTimeout, "timeout"}, {errWouldBlock, "EAGAIN"}, {errBadHandle, "EBADF"},
		{sctp.ErrInvalidArgument, "EINVAL"}, {sctp.ErrPortInUse, "EADDRINUSE"},
		{sctp.ErrNotConnected, "ENOTCONN"}, {sctp.ErrAlreadyConnected, "EISCONN"},
		{sctp.ErrMessageTooLarge, "EMSGSIZE"}, {sctp.ErrNotSupported, "EOPNOTSUPP"},
		{sctp.ErrAborted, "ECONNRESET"}, {errors.Join(sctp.ErrConnectFailed, sctp.ErrAborted), "ECONNREFUSED"},
		{sctp.ErrConnectFailed, "ETIMEDOUT"}, {syscall.EADDRNOTAVAIL, "EADDRNOTAVAIL"},
		{errors.New("other"), "EIO"},
	} {
		if got := errCode(c.err); got != c.want {
			t.Errorf("errCode(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}

// TestSockLargeMessagesThroughPumpBuffer: the pump receives with
// SCTPRecvInto into one buffer it reuses and grows; messages larger than
// its first size arrive whole and intact, back to back, read whole or in
// pieces, and a message read partly keeps its bytes while the pump waits.
func TestSockLargeMessagesThroughPumpBuffer(t *testing.T) {
	cli, srv := pair(t, 11031)
	var want []string
	for i, n := range []int{pumpBuf - 1, 3*pumpBuf + 17, 100, 40 << 10, 7} {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('a' + (i+j)%26)
		}
		want = append(want, string(b))
		send(t, cli, string(b), sctp.SndInfo{PPID: uint32(i)})
	}
	for i, w := range want {
		var got []byte
		piece := 1000 + i*3000 // read some whole, some in pieces
		for j := 0; ; j++ {
			r, err := srv.recv(piece, 5000)
			if err != nil {
				t.Fatalf("message %d piece %d: %v", i, j, err)
			}
			if r.Info.PPID != uint32(i) {
				t.Fatalf("message %d piece %d: PPID %d", i, j, r.Info.PPID)
			}
			got = append(got, r.Msg...)
			if r.Flags&sctp.MSG_EOR != 0 {
				break
			}
			if j > 100 {
				t.Fatalf("message %d: no MSG_EOR", i)
			}
		}
		if string(got) != w {
			t.Fatalf("message %d: %d bytes, want %d (intact: %v)", i, len(got), len(w), string(got) == w)
		}
	}
}
