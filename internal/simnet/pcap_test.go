package simnet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPcapWriter(t *testing.T) {
	var buf bytes.Buffer
	pw, err := NewPcapWriter(&buf, TapDeliver)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSim(1)
	s.SetDefaultLink(LinkConfig{Delay: time.Millisecond, Loss: 0.3})
	v6 := netip.MustParseAddrPort("[fd00::9]:9899")
	a := &srcNode{to: addrB, count: 50, interval: time.Millisecond, size: func(i int) int { return 8 + i }}
	c := &srcNode{to: v6, count: 50, interval: time.Millisecond, size: func(i int) int { return 9 + i }}
	s.AddNode(addrA, a)
	s.AddNode(addrB, &sinkNode{})
	s.AddNode(addrC, c)
	s.AddNode(v6, &sinkNode{})
	s.SetTap(pw.Tap)
	runIdle(t, s)
	if pw.Err() != nil {
		t.Fatal(pw.Err())
	}
	st := s.Stats()
	if uint64(pw.Packets()) != st.Delivered {
		t.Fatalf("%d records for %d deliveries", pw.Packets(), st.Delivered)
	}

	// Parse it back and verify lengths and checksums.
	b := buf.Bytes()
	if binary.LittleEndian.Uint32(b) != 0xa1b23c4d || binary.LittleEndian.Uint32(b[20:]) != linktypeRaw {
		t.Fatalf("bad file header % x", b[:24])
	}
	b = b[24:]
	recs, v4, v6n := 0, 0, 0
	for len(b) > 0 {
		if len(b) < 16 {
			t.Fatalf("truncated record header")
		}
		n := int(binary.LittleEndian.Uint32(b[8:]))
		ts := time.Unix(int64(binary.LittleEndian.Uint32(b)), int64(binary.LittleEndian.Uint32(b[4:])))
		if ts.Before(Epoch) || ts.After(Epoch.Add(time.Second)) {
			t.Fatalf("record time %v not virtual time", ts)
		}
		p := b[16 : 16+n]
		b = b[16+n:]
		recs++
		var udp []byte
		var pseudo uint32
		switch p[0] >> 4 {
		case 4:
			v4++
			if fold(sum16(0, p[:20])) != 0xffff {
				t.Fatal("bad IPv4 header checksum")
			}
			if int(binary.BigEndian.Uint16(p[2:])) != n {
				t.Fatal("bad IPv4 total length")
			}
			pseudo = sum16(0, p[12:20])
			udp = p[20:]
		case 6:
			v6n++
			pseudo = sum16(0, p[8:40])
			udp = p[40:]
		default:
			t.Fatalf("bad IP version %d", p[0]>>4)
		}
		if int(binary.BigEndian.Uint16(udp[4:])) != len(udp) {
			t.Fatal("bad UDP length")
		}
		if fold(sum16(pseudo+17+uint32(len(udp)), udp)) != 0xffff {
			t.Fatal("bad UDP checksum")
		}
	}
	if recs != pw.Packets() || v4 == 0 || v6n == 0 {
		t.Fatalf("parsed %d records (%d v4, %d v6), wrote %d", recs, v4, v6n, pw.Packets())
	}

	// If tshark is installed, it must read the file without complaint.
	tshark, err := exec.LookPath("tshark")
	if err != nil || testing.Short() {
		return
	}
	f := filepath.Join(t.TempDir(), "sim.pcap")
	if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tshark, "-n", "-r", f, "-o", "udp.check_checksum:TRUE", "-T", "fields", "-e", "udp.checksum.status")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.Bytes())
	}
	lines := strings.Fields(string(out))
	if len(lines) != recs {
		t.Fatalf("tshark read %d packets, want %d:\n%s", len(lines), recs, out)
	}
	for _, l := range lines {
		if l != "1" { // 1 = Good
			t.Fatalf("tshark checksum status %q:\n%s", l, out)
		}
	}
}
