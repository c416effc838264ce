package sctp

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestPeeloffEdgeCases: a failed Peeloff (stack closing) leaves the
// association with the one-to-many socket, whose Close still shuts it
// down; a successful one moves every queued message, even more than the
// default receive buffer holds (RFC 6458 §9.2: nothing is lost).
func TestPeeloffEdgeCases(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, func(s *Socket) {
		if err := s.SetRcvBuf(4 * defaultRcvBuf); err != nil {
			t.Fatal(err)
		}
	})

	a := dialTCP(t, cliSt, addr, InitMsg{})
	setTestDeadline(t, a.Socket)
	a.SCTPSend([]byte("hello"), nil)
	r := recvData(t, srv.Socket)
	id := r.Info.AssocID

	// More than the default receive buffer queued on srv for a.
	const n, size = 6, 64 << 10
	for i := 0; i < n; i++ {
		if _, err := a.SCTPSend(bytes.Repeat([]byte{byte('0' + i)}, size), nil); err != nil {
			t.Fatal(err)
		}
	}
	timeout := time.After(20 * time.Second)
	for {
		srv.rq.mu.Lock()
		queued := srv.rq.bytes
		srv.rq.mu.Unlock()
		if queued >= n*size {
			break
		}
		select {
		case <-srv.rq.ready():
		case <-timeout:
			t.Fatalf("only %d bytes queued", queued)
		}
	}

	// addSocket fails (the stack looks closed): the entry is restored.
	srvSt.mu.Lock()
	srvSt.closed = true
	srvSt.mu.Unlock()
	if _, err := srv.Peeloff(id); err == nil {
		t.Fatal("Peeloff succeeded on a closed stack")
	}
	srvSt.mu.Lock()
	srvSt.closed = false
	srvSt.mu.Unlock()
	srv.mu.Lock()
	e := srv.assocs[id]
	srv.mu.Unlock()
	if e == nil {
		t.Fatal("association lost from the one-to-many socket after a failed Peeloff")
	}
	e.mu.Lock()
	owner := e.owner
	e.mu.Unlock()
	if owner != srv.Socket {
		t.Fatal("owner changed by a failed Peeloff")
	}

	// Now a real Peeloff moves all n messages.
	p, err := srv.Peeloff(id)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	setTestDeadline(t, p.Socket)
	for i := 0; i < n; i++ {
		r := recvData(t, p.Socket)
		if len(r.Msg) != size || r.Msg[0] != byte('0'+i) {
			t.Fatalf("message %d: %d bytes %q..., want %d bytes of %c", i, len(r.Msg), r.Msg[:1], size, rune('0'+i))
		}
	}
	if _, err := srv.GetPaddrs(id); !errors.Is(err, ErrNotConnected) {
		t.Errorf("GetPaddrs on the old socket: %v, want ErrNotConnected", err)
	}
}
