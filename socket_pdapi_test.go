package sctp

import (
	"bytes"
	"errors"
	"testing"
)

// TestPartialDeliveryLoopback: through the socket API on 127.0.0.1, a
// message larger than the receiver's buffer and its
// SCTP_PARTIAL_DELIVERY_POINT is read in parts, MSG_EOR only on the last
// (RFC 6458 §8.1.21), and the message after it whole.
func TestPartialDeliveryLoopback(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	const rcvBuf, point = 32 << 10, 8 << 10
	if err := srv.SetRcvBuf(rcvBuf); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPartialDeliveryPoint(point); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPartialDeliveryPoint(-1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative point: %v", err)
	}
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	conn := accept(t, srv)
	if p, err := conn.PartialDeliveryPoint(0); err != nil || p != point {
		t.Fatalf("accepted association's point %d, %v", p, err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16)
	if _, err := cli.SCTPSend(big, &SndInfo{Stream: 1, PPID: 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.SCTPSend([]byte("after"), &SndInfo{Stream: 1, PPID: 10}); err != nil {
		t.Fatal(err)
	}
	var joined []byte
	parts := 0
	for {
		r, err := conn.SCTPRecv(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if r.Flags&MSG_NOTIFICATION != 0 {
			continue
		}
		if r.Info.PPID != 9 || len(r.Msg) > rcvBuf {
			t.Fatalf("part %d: ppid %d, %d bytes", parts, r.Info.PPID, len(r.Msg))
		}
		joined = append(joined, r.Msg...)
		parts++
		if r.Flags&MSG_EOR != 0 {
			break
		}
	}
	if parts < 2 || !bytes.Equal(joined, big) {
		t.Fatalf("%d parts, %d of %d bytes, equal %v", parts, len(joined), len(big), bytes.Equal(joined, big))
	}
	if r := recvData(t, conn.Socket); string(r.Msg) != "after" {
		t.Fatalf("next message %q", r.Msg)
	}
	t.Logf("200 KiB message read in %d parts", parts)
}
