package sctp

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestInteropUsrsctpAsconfAuth runs RFC 5061 ASCONF with RFC 4895 AUTH
// both ways against usrsctp 0.9.5 (bench/cmd/usrsctp-asconf, AUTH and
// ASCONF on) through the socket API over UDP on loopback: our Bindx adds
// 127.0.0.2 to the live association (ASCONF Add IP Address), SetPeerPrimary
// makes usrsctp send to it and back to 127.0.0.1 (Set Primary Address), a
// Bindx remove deletes it (Delete IP Address); usrsctp's own
// SCTP_SET_PEER_PRIMARY_ADDR reaches us as an authenticated ASCONF. Each
// side performing the other's requests proves the HMACs verify (both drop
// ASCONF and ASCONF-ACK without a valid AUTH); tshark decodes the capture
// cleanly. Our stack binds 0.0.0.0 so that usrsctp's HEARTBEATs to
// 127.0.0.2 reach it (the runtime is single-socket here); all traffic is
// on 127.0.0.0/8.
func TestInteropUsrsctpAsconfAuth(t *testing.T) {
	bin := buildUsrsctpPeer(t, "usrsctp-asconf")
	for _, key := range []string{"", "endpoint pair key"} {
		name := "key0-empty"
		if key != "" {
			name = "key1"
		}
		t.Run(name, func(t *testing.T) { interopAsconfAuth(t, bin, key) })
	}
}

// interopAsconfAuth is one run of TestInteropUsrsctpAsconfAuth; with key
// set, both sides use it as endpoint-pair shared key 1, active (RFC 4895
// §6.1: it leads the association shared key).
func interopAsconfAuth(t *testing.T, bin, key string) {
	peerUDP := usrsctpFreePort(t)
	args := []string{"-local-udp", itoa(peerUDP), "-sctp-port", "5001"}
	if key != "" {
		args = append(args, "-key", key)
	}
	p := startProc(t, 40*time.Second, false, bin, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := func(line string) {
		t.Helper()
		if _, ok := p.waitLine(ctx, func(l string) bool { return l == line }); !ok {
			t.Fatalf("usrsctp never printed %q; output %q, stderr %q", line, p.output(), p.stderrText())
		}
	}
	want("READY")

	capture := new(syncBuffer)
	st, err := NewStack(StackConfig{Network: "udp4", LocalAddr: netip.MustParseAddrPort("0.0.0.0:0"), RemoteUDPPort: uint16(peerUDP), Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := newTCP(t, st)
	if err := s.SetAuthSupported(true); err != nil {
		t.Fatal(err)
	}
	if key != "" {
		if err := s.SetAuthKey(0, 1, []byte(key)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAuthActiveKey(0, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetEvents(EventSubscribe{DataIO: true, Address: true, PeerError: true, Authentication: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(loopback4(5001)); err != nil {
		t.Fatal(err)
	}
	send := func(msg string) {
		t.Helper()
		if _, err := s.SCTPSend([]byte(msg), &SndInfo{PPID: 51}); err != nil {
			t.Fatalf("send %q: %v", msg, err)
		}
		want("DATA " + msg)
	}
	second := netip.MustParseAddrPort("127.0.0.2:0")
	if err := s.Bindx([]netip.AddrPort{second}, BINDX_ADD); err != nil {
		t.Fatalf("Bindx add on a connected socket: %v", err)
	}
	want("PADDR 127.0.0.2 4") // SCTP_ADDR_ADDED at usrsctp
	want("PADDR 127.0.0.2 6") // SCTP_ADDR_CONFIRMED: its HEARTBEAT to 127.0.0.2 answered
	if err := s.SetPeerPrimary(0, second); err != nil {
		t.Fatal(err)
	}
	want("PADDR 127.0.0.2 5") // SCTP_ADDR_MADE_PRIM
	send("primary")
	want("PRIMARY 127.0.0.2")
	if err := s.SetPeerPrimary(0, netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	want("PADDR 127.0.0.1 5")
	if err := s.Bindx([]netip.AddrPort{second}, BINDX_REMOVE); err != nil {
		t.Fatalf("Bindx remove on a connected socket: %v", err)
	}
	want("PADDR 127.0.0.2 3") // SCTP_ADDR_REMOVED
	send("paddrs")
	want("PADDRS 127.0.0.1")

	// usrsctp asks us, authenticated, to make its 127.0.0.1 our primary.
	send("peer-primary:127.0.0.1")
	want("CMD peer-primary rc=0")
	got := recvUntil(t, s.Socket, func(it recvItem) bool {
		e, ok := it.event.(PeerAddrChange)
		return ok && e.State == AddrMadePrimary
	})
	if e := got[len(got)-1].event.(PeerAddrChange); e.Addr.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("ADDR_MADE_PRIM for %v, want 127.0.0.1", e)
	}
	for _, it := range got {
		if e, ok := it.event.(RemoteError); ok {
			t.Fatalf("usrsctp refused a request: %v", e)
		}
	}
	send("quit")
	st.Close() // flushes the capture
	if f := os.Getenv("USCTP_ASCONF_PCAP"); f != "" {
		os.WriteFile(f, capture.Bytes(), 0o644) // for a look with tshark
	}
	counts, keys := tsharkChunkCounts(t, capture.Bytes(), st.LocalUDPAddr().Port())
	if counts == nil {
		return
	}
	// Every AUTH, ours and usrsctp's, under the active key.
	wantKey := 0
	if key != "" {
		wantKey = 1
	}
	if len(keys) != 1 || keys[wantKey] != counts[15] {
		t.Fatalf("AUTH shared key identifiers %v, want all %d", keys, wantKey)
	}
	// Our 4 ASCONFs and its 1, each answered, each after an AUTH.
	if counts[193] < 5 || counts[128] < 5 || counts[15] < counts[193]+counts[128] {
		t.Fatalf("chunk counts %v: want >= 5 ASCONF (193), >= 5 ASCONF-ACK (128), an AUTH (15) before each", counts)
	}
}

// tsharkChunkCounts has tshark decode a capture of UDP-encapsulated SCTP
// on port, fails the test unless every frame is SCTP with a good CRC32c,
// none malformed and no expert error, and returns the number of chunks of
// each type and of AUTH chunks per shared key identifier (nil without
// tshark).
func tsharkChunkCounts(t *testing.T, capture []byte, port uint16) (counts, keyIDs map[int]int) {
	t.Helper()
	frames, ok := tsharkCleanFrames(t, capture, port, "sctp.shared_key_id")
	if !ok {
		return nil, nil
	}
	counts, keyIDs = map[int]int{}, map[int]int{}
	atoi := func(f tsharkFrame, s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("frame %s: %q is not a number", f.number, s)
		}
		return n
	}
	for _, f := range frames {
		for _, ct := range f.chunkTypes {
			counts[atoi(f, ct)]++
		}
		if f.extra[0] != "" {
			for _, k := range strings.Split(f.extra[0], ",") {
				keyIDs[atoi(f, k)]++
			}
		}
	}
	t.Logf("tshark: %d frames decoded cleanly, chunk types %v, AUTH key ids %v", len(frames), counts, keyIDs)
	return counts, keyIDs
}
