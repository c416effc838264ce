package simnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usctp/sctp/internal/pcap"
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

	// Parse it back and verify lengths and checksums. The file header has
	// the nanosecond-resolution magic, a snap length that no record exceeds
	// (IPv6 and UDP headers and the largest datagram) and LINKTYPE_RAW.
	b := buf.Bytes()
	if binary.LittleEndian.Uint32(b) != 0xa1b23c4d ||
		binary.LittleEndian.Uint32(b[16:]) < 40+8+MaxDatagram ||
		binary.LittleEndian.Uint32(b[20:]) != pcap.LinkTypeRaw {
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
			if onesSum(0, p[:20]) != 0xffff {
				t.Fatal("bad IPv4 header checksum")
			}
			if int(binary.BigEndian.Uint16(p[2:])) != n {
				t.Fatal("bad IPv4 total length")
			}
			pseudo = uint32(onesSum(0, p[12:20]))
			udp = p[20:]
		case 6:
			v6n++
			pseudo = uint32(onesSum(0, p[8:40]))
			udp = p[40:]
		default:
			t.Fatalf("bad IP version %d", p[0]>>4)
		}
		if int(binary.BigEndian.Uint16(udp[4:])) != len(udp) {
			t.Fatal("bad UDP length")
		}
		if onesSum(pseudo+17+uint32(len(udp)), udp) != 0xffff {
			t.Fatal("bad UDP checksum")
		}
	}
	if recs != pw.Packets() || v4 == 0 || v6n == 0 {
		t.Fatalf("parsed %d records (%d v4, %d v6), wrote %d", recs, v4, v6n, pw.Packets())
	}

	// tshark, an independent decoder, must read the file without complaint.
	t.Run("tshark", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: not running tshark")
		}
		tshark, err := exec.LookPath("tshark")
		if err != nil {
			t.Skip("tshark not installed (apt-get install tshark); skipping the independent decode check")
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
	})
}

// TestPcapWriterTapEdges drives Tap directly: datagrams at other tap points
// are ignored, one between an IPv4 and an IPv6 address is recorded in an
// IPv6 header with the IPv4 address mapped, one too large for any IP packet
// is counted as skipped without stopping the capture, and a write error
// stops it.
func TestPcapWriterTapEdges(t *testing.T) {
	fw := &failWriter{}
	pw, err := NewPcapWriter(fw, TapSend)
	if err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddrPort("10.0.0.1:9899")
	v6 := netip.MustParseAddrPort("[fd00::9]:9899")
	pw.Tap(Epoch, TapDeliver, v4, v6, []byte("other tap point"))
	pw.Tap(Epoch, TapSend, v4, v6, []byte("mixed"))
	pw.Tap(Epoch, TapSend, v6, v6, make([]byte, MaxDatagram))
	pw.Tap(Epoch.Add(time.Millisecond), TapSend, v6, v4, []byte("after the skip"))
	if pw.Err() != nil || pw.Packets() != 2 || pw.Skipped() != 1 {
		t.Fatalf("err %v, %d packets, %d skipped; want nil, 2, 1", pw.Err(), pw.Packets(), pw.Skipped())
	}
	ds, err := pcap.ReadDatagrams(bytes.NewReader(fw.buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	mapped := netip.MustParseAddrPort("[::ffff:10.0.0.1]:9899")
	if len(ds) != 2 || ds[0].Src != mapped || ds[0].Dst != v6 || string(ds[0].Payload) != "mixed" ||
		ds[1].Src != v6 || ds[1].Dst != mapped || string(ds[1].Payload) != "after the skip" {
		t.Fatalf("records %+v", ds)
	}

	fw.fail = errors.New("disk full")
	pw.Tap(Epoch, TapSend, v4, v4, []byte("lost"))
	if !errors.Is(pw.Err(), fw.fail) || pw.Packets() != 2 {
		t.Fatalf("after a failed write: err %v, %d packets", pw.Err(), pw.Packets())
	}
	fw.fail = nil
	pw.Tap(Epoch, TapSend, v4, v4, []byte("not recorded"))
	if pw.Packets() != 2 || fw.writes != 4 { // header, two records, the failed one
		t.Fatalf("recorded after a write error: %d packets, %d writes", pw.Packets(), fw.writes)
	}
}

// failWriter collects what is written until fail is set.
type failWriter struct {
	buf    bytes.Buffer
	fail   error
	writes int
}

func (w *failWriter) Write(b []byte) (int, error) {
	w.writes++
	if w.fail != nil {
		return 0, w.fail
	}
	return w.buf.Write(b)
}

// onesSum is an RFC 1071 one's-complement sum of b (big-endian 16-bit
// words) added to acc, folded to 16 bits: 0xffff over a region whose
// checksum is right. It is the test's own, independent of internal/pcap.
func onesSum(acc uint32, b []byte) uint16 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}
