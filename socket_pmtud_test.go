package sctp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pmtudStackPair is stackPair with PLPMTUD on and the ceiling at mtu.
func pmtudStackPair(t *testing.T, mtu int, on bool) (srv, cli *Stack) {
	t.Helper()
	mk := func(remote uint16) *Stack {
		st, err := NewStack(StackConfig{LocalAddr: lo4, RemoteUDPPort: remote, MTU: mtu, PathMTUDiscovery: on})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	srv = mk(0)
	return srv, mk(srv.LocalUDPAddr().Port())
}

// pmtudAwaitSearch exchanges small messages between cli and conn until the
// client's primary path reports SEARCH_COMPLETE: each probe is answered
// within a loopback round trip, so a bounded number of round trips (or
// testTimeout) suffices; no sleeping.
func pmtudAwaitSearch(t *testing.T, cli, conn *SocketTCP) PaddrInfo {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
		st, err := cli.Status(0)
		if err != nil {
			t.Fatal(err)
		}
		if st.Primary.PMTUD == "SEARCH_COMPLETE" {
			return st.Primary
		}
		if _, err := cli.SCTPSend([]byte("ping"), nil); err != nil {
			t.Fatal(err)
		}
		recvData(t, conn.Socket)
	}
	st, _ := cli.Status(0)
	t.Fatalf("search not complete: %+v", st.Primary)
	return PaddrInfo{}
}

// TestPMTUDLoopbackCeiling9000: over real UDP on 127.0.0.1 (the loopback
// MTU is 64 KiB) with the ceiling at 9000, PLPMTUD confirms 9000 − 28 and
// a 64 KiB message goes in 8 DATA chunks instead of the 47 a 1500-byte
// path needs; SCTP_PEER_ADDR_PARAMS report SPP_PMTUD_ENABLE.
func TestPMTUDLoopbackCeiling9000(t *testing.T) {
	srvSt, cliSt := pmtudStackPair(t, 9000, true)
	srv, addr := listenTCP(t, srvSt)
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	conn := accept(t, srv)
	pi := pmtudAwaitSearch(t, cli, conn)
	if pi.MTU != 8972 || pi.PMTUProbesAcked == 0 || pi.PMTUProbes < pi.PMTUProbesAcked {
		t.Fatalf("path %+v, want MTU 8972 confirmed by probes", pi)
	}
	st, err := cli.Status(0)
	if err != nil || st.FragmentationPoint != 8972-28 {
		t.Fatalf("FragmentationPoint %d (%v), want %d", st.FragmentationPoint, err, 8972-28)
	}
	chunksBefore := pmtudDataChunksOut(t, cli)
	msg := make([]byte, 64<<10)
	if _, err := cli.SCTPSend(msg, nil); err != nil {
		t.Fatal(err)
	}
	if r := recvData(t, conn.Socket); len(r.Msg) != len(msg) {
		t.Fatalf("got %d bytes", len(r.Msg))
	}
	if n := pmtudDataChunksOut(t, cli) - chunksBefore; n != 8 {
		t.Fatalf("64 KiB went in %d DATA chunks, want 8 (fragmentation point 8944)", n)
	}
	pp, err := cli.PaddrParams(0, addr)
	if err != nil || pp.Flags&SPP_PMTUD_ENABLE == 0 || pp.Flags&SPP_PMTUD_DISABLE != 0 {
		t.Fatalf("PaddrParams flags %v (%v), want SPP_PMTUD_ENABLE", pp.Flags, err)
	}
}

// pmtudDataChunksOut reads the association's DataChunksOut.
func pmtudDataChunksOut(t *testing.T, s *SocketTCP) uint64 {
	t.Helper()
	e, err := s.entry(0)
	if err != nil {
		t.Fatal(err)
	}
	return e.a.statusStats().DataChunksOut
}

// TestPMTUDSocketOptions: SCTP_PEER_ADDR_PARAMS turn PLPMTUD on and off
// (RFC 6458 §8.1.12): SPP_PMTUD_ENABLE on a socket of a stack without it
// makes its new associations probe; SPP_PMTUD_DISABLE on a live one stops
// probing and keeps the packet size; both flags at once are refused; a
// stack without PLPMTUD reports SPP_PMTUD_DISABLE and no path state.
func TestPMTUDSocketOptions(t *testing.T) {
	srvSt, cliSt := pmtudStackPair(t, 9000, false)
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	if err := cli.SetPaddrParams(0, PaddrParams{Flags: SPP_PMTUD_ENABLE | SPP_PMTUD_DISABLE}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("both flags: %v", err)
	}
	if err := cli.SetPaddrParams(0, PaddrParams{Flags: SPP_PMTUD_ENABLE}); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	conn := accept(t, srv)
	pi := pmtudAwaitSearch(t, cli, conn)
	if pi.MTU != 8972 {
		t.Fatalf("path %+v", pi)
	}
	// The server side runs without PLPMTUD: fixed packet size (9000 − 48).
	sst, err := conn.Status(0)
	if err != nil || sst.Primary.PMTUD != "" || sst.Primary.MTU != 9000-48 {
		t.Fatalf("server path %+v (%v)", sst.Primary, err)
	}
	if pp, _ := conn.PaddrParams(0, sst.Primary.Addr); pp.Flags&SPP_PMTUD_DISABLE == 0 {
		t.Fatalf("server flags %v, want SPP_PMTUD_DISABLE", pp.Flags)
	}
	// Off on the live association: no more probing, the size stays.
	if err := cli.SetPaddrParams(0, PaddrParams{Flags: SPP_PMTUD_DISABLE}); err != nil {
		t.Fatal(err)
	}
	st, err := cli.Status(0)
	if err != nil || st.Primary.PMTUD != "" || st.FragmentationPoint != 8972-28 {
		t.Fatalf("after SPP_PMTUD_DISABLE: %+v FragmentationPoint %d (%v)", st.Primary, st.FragmentationPoint, err)
	}
}

// TestPMTUDProbesTshark: the probes of a real search (over UDP on
// 127.0.0.1, ceiling 9000), captured by the stack, dissected by tshark:
// every frame is SCTP with a good CRC32c, nothing malformed, no expert
// errors; the probes are HEARTBEAT + PAD (RFC 8899 §6.2.1.1, RFC 4820)
// and the largest is a 9000-byte IP packet.
func TestPMTUDProbesTshark(t *testing.T) {
	tshark := needTshark(t)
	capture := new(syncBuffer)
	srvSt, err := NewStack(StackConfig{Network: "udp4", LocalAddr: lo4, MTU: 9000, PathMTUDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srvSt.Close() })
	cliSt, err := NewStack(StackConfig{Network: "udp4", LocalAddr: lo4, MTU: 9000, PathMTUDiscovery: true,
		RemoteUDPPort: srvSt.LocalUDPAddr().Port(), Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	srv, addr := listenTCP(t, srvSt)
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	conn := accept(t, srv)
	pmtudAwaitSearch(t, cli, conn)
	cli.Close()
	cliSt.Close() // flushes the capture
	path := filepath.Join(t.TempDir(), "probes.pcap")
	if err := os.WriteFile(path, capture.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-n", "-r", path, "-o", "sctp.checksum:crc-32c",
		"-d", fmt.Sprintf("udp.port==%d,sctp", srvSt.LocalUDPAddr().Port()),
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "frame.len", "-e", "sctp.checksum.status", "-e", "_ws.malformed", "-e", "sctp.chunk_type", "-e", "_ws.expert.severity").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	probes, largest := 0, 0
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("tshark line %q", line)
		}
		if f[1] != "1" || f[2] != "" {
			t.Errorf("frame %q: checksum status %q, malformed %q", line, f[1], f[2])
		}
		for _, s := range strings.Split(f[4], ",") {
			if v, err := strconv.ParseUint(s, 0, 32); err == nil && v >= 0x00800000 {
				t.Errorf("frame %q: expert error", line)
			}
		}
		if f[3] == "4,132" { // HEARTBEAT, PAD
			probes++
			n, _ := strconv.Atoi(f[0])
			largest = max(largest, n)
		}
	}
	if probes < 10 || largest != 9000 {
		t.Fatalf("%d probes seen, largest frame %d bytes; want the 10 of the search, up to 9000", probes, largest)
	}
}
