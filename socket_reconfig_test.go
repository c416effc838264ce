package sctp

import (
	"errors"
	"reflect"
	"testing"
)

// recvItem is one data message or notification read from a socket.
type recvItem struct {
	msg   string
	info  SndRcvInfo
	event Event
}

// recvUntil reads items from s until done reports true for one of them
// (bounded), and returns them all.
func recvUntil(t *testing.T, s *Socket, done func(recvItem) bool) []recvItem {
	t.Helper()
	var items []recvItem
	for range 100 {
		r, err := s.SCTPRecv(1 << 16)
		if err != nil {
			t.Fatalf("SCTPRecv: %v (got %+v)", err, items)
		}
		it := recvItem{msg: string(r.Msg), info: r.Info, event: r.Notification}
		items = append(items, it)
		if done(it) {
			return items
		}
	}
	t.Fatalf("condition not met in 100 items: %+v", items)
	return nil
}

func isEvent[E Event](it recvItem) bool { _, ok := it.event.(E); return ok }

// TestStreamReconfigLoopback drives RFC 6525 end to end between two stacks
// on 127.0.0.1 through the socket API: an outgoing stream reset as a
// WebRTC data channel close does it (RFC 8831 §6.7), the peer's
// default refusal (SCTP_ENABLE_STREAM_RESET unset), adding streams once
// enabled on the live association, and an SSN/TSN reset; data keeps
// flowing with the new numbering after each.
func TestStreamReconfigLoopback(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	if err := srv.SetEnableStreamReset(0, SCTP_ENABLE_RESET_STREAM_REQ); err != nil {
		t.Fatal(err)
	}
	ev := EventSubscribe{DataIO: true, StreamReset: true, AssocReset: true, StreamChange: true}
	cli := dialTCP(t, cliSt, addr, InitMsg{NumOstreams: 4, MaxInstreams: 4})
	conn := accept(t, srv)
	for _, s := range []*SocketTCP{cli, conn} {
		if err := s.SetEvents(ev); err != nil {
			t.Fatal(err)
		}
	}
	if f, err := conn.EnableStreamReset(0); err != nil || f != SCTP_ENABLE_RESET_STREAM_REQ {
		t.Fatalf("accepted association's flags %#x, %v", f, err)
	}
	send := func(s *SocketTCP, stream uint16, msg string) {
		t.Helper()
		if _, err := s.SCTPSend([]byte(msg), &SndInfo{Stream: stream, PPID: 51}); err != nil {
			t.Fatalf("send %q on %d: %v", msg, stream, err)
		}
	}

	// Close "channel" 1 from the client: reset its outgoing stream.
	send(cli, 1, "a")
	send(cli, 1, "b")
	if err := cli.ResetStreams(0, SCTP_STREAM_RESET_OUTGOING, []uint16{1}); err != nil {
		t.Fatal(err)
	}
	send(cli, 1, "c") // reopened: waits for the reset, then SSN 0
	got := recvUntil(t, conn.Socket, func(it recvItem) bool { return it.msg == "c" })
	var ssns []uint16
	var sawReset bool
	for _, it := range got {
		switch e := it.event.(type) {
		case nil:
			ssns = append(ssns, it.info.SSN)
		case StreamReset:
			if e.Flags != SCTP_STREAM_RESET_INCOMING_SSN || !reflect.DeepEqual(e.Streams, []uint16{1}) {
				t.Fatalf("server event %v", e)
			}
			sawReset = true
		}
	}
	if !sawReset || !reflect.DeepEqual(ssns, []uint16{0, 1, 0}) {
		t.Fatalf("server got %+v: want a, b with SSN 0, 1, the reset, c with SSN 0", got)
	}
	got = recvUntil(t, cli.Socket, isEvent[StreamReset])
	if e := got[len(got)-1].event.(StreamReset); e.Flags != SCTP_STREAM_RESET_OUTGOING_SSN {
		t.Fatalf("client event %v", e)
	}

	// The server resets its side: the client did not enable resets, so
	// it is denied (RFC 6525 §6.3.2 default).
	if err := conn.ResetStreams(0, SCTP_STREAM_RESET_OUTGOING, []uint16{1}); err != nil {
		t.Fatal(err)
	}
	got = recvUntil(t, conn.Socket, isEvent[StreamReset])
	if e := got[len(got)-1].event.(StreamReset); e.Flags != SCTP_STREAM_RESET_OUTGOING_SSN|SCTP_STREAM_RESET_DENIED {
		t.Fatalf("server event %v, want denied", e)
	}

	// Add streams: denied until the server enables it on the association.
	if err := cli.AddStreams(0, 0, 2); err != nil {
		t.Fatal(err)
	}
	got = recvUntil(t, cli.Socket, isEvent[StreamChange])
	if e := got[len(got)-1].event.(StreamChange); e.Flags != SCTP_STREAM_CHANGE_DENIED || e.OutStreams != 4 {
		t.Fatalf("client event %v, want denied", e)
	}
	if _, err := cli.SCTPSend([]byte("x"), &SndInfo{Stream: 5}); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("send on stream 5 of 4: %v", err)
	}
	all := SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_RESET_ASSOC_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ
	if err := conn.SetEnableStreamReset(0, all); err != nil {
		t.Fatal(err)
	}
	if err := cli.AddStreams(0, 0, 2); err != nil {
		t.Fatal(err)
	}
	got = recvUntil(t, cli.Socket, isEvent[StreamChange])
	if e := got[len(got)-1].event.(StreamChange); e.Flags != 0 || e.OutStreams != 6 {
		t.Fatalf("client event %v", e)
	}
	send(cli, 5, "on five")
	got = recvUntil(t, conn.Socket, func(it recvItem) bool { return it.msg == "on five" })
	if it := got[len(got)-1]; it.info.Stream != 5 {
		t.Fatalf("server got %+v", it)
	}
	if st, err := conn.Status(0); err != nil || st.InStreams != 6 {
		t.Fatalf("server status in streams %d, %v", st.InStreams, err)
	}

	// SSN/TSN reset.
	if err := cli.ResetAssoc(0); err != nil {
		t.Fatal(err)
	}
	send(cli, 1, "after assoc reset")
	got = recvUntil(t, conn.Socket, func(it recvItem) bool { return it.msg == "after assoc reset" })
	var srvReset *AssocReset
	for _, it := range got {
		if e, ok := it.event.(AssocReset); ok {
			srvReset = &e
		}
	}
	last := got[len(got)-1]
	if srvReset == nil || srvReset.Flags != 0 || last.info.SSN != 0 || last.info.TSN != srvReset.RemoteTSN {
		t.Fatalf("server: reset %+v, then message %+v: want SSN 0 at the peer's new TSN", srvReset, last)
	}
	got = recvUntil(t, cli.Socket, isEvent[AssocReset])
	if e := got[len(got)-1].event.(AssocReset); e.Flags != 0 || e.LocalTSN != srvReset.RemoteTSN || e.RemoteTSN != srvReset.LocalTSN {
		t.Fatalf("client %v, server %v", e, *srvReset)
	}
	send(conn, 2, "reply")
	got = recvUntil(t, cli.Socket, func(it recvItem) bool { return it.msg == "reply" })
	if it := got[len(got)-1]; it.info.TSN != srvReset.LocalTSN || it.info.SSN != 0 {
		t.Fatalf("client got %+v", it)
	}
}
