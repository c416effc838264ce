package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 26, 1, 2, 3, 456789123, time.UTC)
	cases := []struct {
		src, dst netip.AddrPort
		payload  []byte
	}{
		{netip.MustParseAddrPort("127.0.0.1:9899"), netip.MustParseAddrPort("127.0.0.1:40000"), []byte("0123456789abcdef")},
		{netip.MustParseAddrPort("[::1]:9899"), netip.MustParseAddrPort("[fd00::2]:9900"), []byte{1, 2, 3}}, // odd length
		{netip.MustParseAddrPort("[::ffff:192.0.2.1]:1"), netip.MustParseAddrPort("192.0.2.2:2"), nil},      // mapped → IPv4
		{netip.MustParseAddrPort("10.0.0.1:5"), netip.MustParseAddrPort("10.0.0.2:6"), bytes.Repeat([]byte{0xab}, 5000)},
	}
	for _, c := range cases {
		if err := w.WritePacket(ts, c.src, c.dst, c.payload); err != nil {
			t.Fatal(err)
		}
	}

	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != LinkTypeRaw {
		t.Fatalf("link type %d, want %d", r.LinkType(), LinkTypeRaw)
	}
	for i, c := range cases {
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !rec.Time.Equal(ts) {
			t.Errorf("record %d: time %v, want %v", i, rec.Time, ts)
		}
		if rec.OrigLen != len(rec.Data) {
			t.Errorf("record %d: orig %d != captured %d", i, rec.OrigLen, len(rec.Data))
		}
		checkChecksums(t, rec.Data)
		d, err := DecodeUDP(r.LinkType(), rec.Data)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		wantSrc := netip.AddrPortFrom(c.src.Addr().Unmap(), c.src.Port())
		wantDst := netip.AddrPortFrom(c.dst.Addr().Unmap(), c.dst.Port())
		if d.Src != wantSrc || d.Dst != wantDst {
			t.Errorf("record %d: %v -> %v, want %v -> %v", i, d.Src, d.Dst, wantSrc, wantDst)
		}
		if !bytes.Equal(d.Payload, c.payload) {
			t.Errorf("record %d: payload %x, want %x", i, d.Payload, c.payload)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after last record: %v, want io.EOF", err)
	}
}

// checkChecksums verifies the IPv4 header checksum and the UDP checksum of
// a raw IP frame: summing a correctly checksummed region gives 0xffff.
func checkChecksums(t *testing.T, ip []byte) {
	t.Helper()
	var udp []byte
	var pseudo uint32
	if ip[0]>>4 == 4 {
		if got := fold(sum16(0, ip[:20])); got != 0xffff {
			t.Errorf("IPv4 header checksum: sum %#04x", got)
		}
		udp = ip[20:]
		pseudo = sum16(0, ip[12:20])
	} else {
		udp = ip[40:]
		pseudo = sum16(0, ip[8:40])
	}
	pseudo += ipProtoUDP + uint32(len(udp))
	if got := fold(sum16(pseudo, udp)); got != 0xffff {
		t.Errorf("UDP checksum: sum %#04x", got)
	}
}

func TestWriterErrors(t *testing.T) {
	w, err := NewWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddrPort("127.0.0.1:1")
	v6 := netip.MustParseAddrPort("[::1]:1")
	if err := w.WritePacket(time.Time{}, v4, v6, nil); !errors.Is(err, ErrAddrFamily) {
		t.Errorf("mixed families: %v", err)
	}
	if err := w.WritePacket(time.Time{}, netip.AddrPort{}, v4, nil); !errors.Is(err, ErrAddrFamily) {
		t.Errorf("zero address: %v", err)
	}
	if err := w.WritePacket(time.Time{}, v4, v4, make([]byte, 0x10000)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized: %v", err)
	}
	if err := w.WritePacket(time.Time{}, v4, v4, make([]byte, maxUDPPayloadIPv4+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized IPv4: %v", err)
	}
	if err := w.WritePacket(time.Time{}, v6, v6, make([]byte, maxUDPPayloadIPv4+1)); err != nil {
		t.Errorf("IPv6 payload above the IPv4 limit: %v", err)
	}
}

// TestWriterMapMixedFamilies: with Options.MapMixedFamilies, a packet
// between an IPv4 and an IPv6 address is recorded in an IPv6 header with
// the IPv4 address IPv4-mapped (RFC 4291 §2.5.5.2); the checksums hold and
// the IPv6 payload limit applies. Same-family packets are unaffected.
func TestWriterMapMixedFamilies(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriterOptions(&buf, Options{MapMixedFamilies: true})
	if err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddrPort("10.0.0.1:9899")
	v6 := netip.MustParseAddrPort("[fd00::9]:9900")
	mapped := netip.MustParseAddrPort("[::ffff:10.0.0.1]:9899")
	big := bytes.Repeat([]byte{7}, maxUDPPayloadIPv4+1)
	if err := w.WritePacket(time.Unix(1, 0), v4, v6, []byte("to6")); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(time.Unix(2, 0), v6, v4, big); err != nil {
		t.Fatalf("mixed families above the IPv4 payload limit: %v", err)
	}
	if err := w.WritePacket(time.Unix(3, 0), v4, v4, []byte("44")); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(time.Time{}, netip.AddrPort{}, v6, nil); !errors.Is(err, ErrAddrFamily) {
		t.Errorf("zero address: %v, want ErrAddrFamily", err)
	}

	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		version  byte
		src, dst netip.AddrPort
		payload  []byte
	}{
		{6, mapped, v6, []byte("to6")},
		{6, v6, mapped, big},
		{4, v4, v4, []byte("44")},
	}
	for i, wt := range want {
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if v := rec.Data[0] >> 4; v != wt.version {
			t.Errorf("record %d: IP version %d, want %d", i, v, wt.version)
		}
		checkChecksums(t, rec.Data)
		d, err := DecodeUDP(r.LinkType(), rec.Data)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if d.Src != wt.src || d.Dst != wt.dst || !bytes.Equal(d.Payload, wt.payload) {
			t.Errorf("record %d: %v -> %v (%d bytes), want %v -> %v (%d bytes)",
				i, d.Src, d.Dst, len(d.Payload), wt.src, wt.dst, len(wt.payload))
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after last record: %v, want io.EOF", err)
	}
}

func TestWriterNoAllocs(t *testing.T) {
	w, err := NewWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddrPort("127.0.0.1:9899")
	dst := netip.MustParseAddrPort("[::ffff:127.0.0.1]:9900")
	pkt := make([]byte, 1452)
	now := time.Unix(1700000000, 0)
	allocs := testing.AllocsPerRun(100, func() {
		if err := w.WritePacket(now, src, dst, pkt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("WritePacket: %v allocs/op, want 0", allocs)
	}
}

// TestWriterConcurrent writes from several goroutines (run with -race) and
// checks that every record comes out whole.
func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 4, 50
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(1000+g))
			dst := netip.MustParseAddrPort("127.0.0.1:9899")
			payload := bytes.Repeat([]byte{byte(g)}, 100+g)
			for range per {
				if err := w.WritePacket(time.Time{}, src, dst, payload); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ds, err := ReadDatagrams(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != workers*per {
		t.Fatalf("%d records, want %d", len(ds), workers*per)
	}
	for i, d := range ds {
		g := int(d.Src.Port()) - 1000
		if g < 0 || g >= workers || !bytes.Equal(d.Payload, bytes.Repeat([]byte{byte(g)}, 100+g)) {
			t.Fatalf("record %d from %v corrupt: %d bytes", i, d.Src, len(d.Payload))
		}
	}
}

// ethernetFile builds a classic pcap file in the given byte order and
// timestamp resolution with one Ethernet frame, as tshark -i lo -F pcap writes.
func ethernetFile(order binary.AppendByteOrder, magic uint32, frame []byte) []byte {
	var b []byte
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, LinkTypeEthernet)
	b = order.AppendUint32(b, 1700000000)
	b = order.AppendUint32(b, 5)
	b = order.AppendUint32(b, uint32(len(frame)))
	b = order.AppendUint32(b, uint32(len(frame)))
	return append(b, frame...)
}

func TestReadEthernetBothOrders(t *testing.T) {
	var raw bytes.Buffer
	w, _ := NewWriter(&raw)
	src, dst := netip.MustParseAddrPort("[::1]:9899"), netip.MustParseAddrPort("[::1]:9900")
	if err := w.WritePacket(time.Time{}, src, dst, []byte("sctp")); err != nil {
		t.Fatal(err)
	}
	ipPkt := raw.Bytes()[fileHeaderLen+recordHeaderLen:]
	frame := append(make([]byte, 12), 0x86, 0xdd)
	frame = append(frame, ipPkt...)
	for _, tc := range []struct {
		order binary.AppendByteOrder
		magic uint32
		want  time.Duration
	}{
		{binary.LittleEndian, magicMicro, 5 * time.Microsecond},
		{binary.BigEndian, magicMicro, 5 * time.Microsecond},
		{binary.BigEndian, magicNano, 5},
	} {
		r, err := NewReader(bytes.NewReader(ethernetFile(tc.order, tc.magic, frame)))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Time.Sub(time.Unix(1700000000, 0)); got != tc.want {
			t.Errorf("%v %#x: fraction %v, want %v", tc.order, tc.magic, got, tc.want)
		}
		d, err := DecodeUDP(r.LinkType(), rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		if d.Src != src || d.Dst != dst || string(d.Payload) != "sctp" {
			t.Errorf("decoded %v -> %v %q", d.Src, d.Dst, d.Payload)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	if _, err := NewReader(bytes.NewReader([]byte("\x0a\x0d\x0d\x0a0123456789abcdefghij"))); !errors.Is(err, ErrBadMagic) {
		t.Errorf("pcapng magic: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(nil)); !errors.Is(err, ErrTruncated) {
		t.Errorf("empty: %v", err)
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	a := netip.MustParseAddrPort("127.0.0.1:1")
	_ = w.WritePacket(time.Time{}, a, a, []byte("x"))
	full := buf.Bytes()
	for cut := fileHeaderLen + 1; cut < len(full); cut++ {
		r, err := NewReader(bytes.NewReader(full[:cut]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: %v, want ErrTruncated", cut, err)
		}
	}
	frame := full[fileHeaderLen+recordHeaderLen:]
	if _, err := DecodeUDP(LinkTypeRaw, frame[:len(frame)-1]); !errors.Is(err, ErrCapturedShort) {
		t.Errorf("short frame: %v", err)
	}
	if _, err := DecodeUDP(42, frame); !errors.Is(err, ErrLinkType) {
		t.Errorf("link type 42: %v", err)
	}
	tcp := bytes.Clone(frame)
	tcp[9] = 6
	if _, err := DecodeUDP(LinkTypeRaw, tcp); !errors.Is(err, ErrNotUDP) {
		t.Errorf("TCP: %v", err)
	}
	frag := bytes.Clone(frame)
	frag[6] = 0x20 // MF
	if _, err := DecodeUDP(LinkTypeRaw, frag); !errors.Is(err, ErrNotUDP) {
		t.Errorf("fragment: %v", err)
	}
	badLen := bytes.Clone(frame)
	binary.BigEndian.PutUint16(badLen[24:], 100) // UDP length beyond the IP payload
	if _, err := DecodeUDP(LinkTypeRaw, badLen); !errors.Is(err, ErrNotUDP) {
		t.Errorf("UDP length: %v", err)
	}
}

// TestTsharkDecodes has tshark dissect what the Writer produces: both
// address families, the UDP ports, and the payload as SCTP on 9899.
func TestTsharkDecodes(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (apt-get install tshark); skipping the independent decode check")
	}
	path := filepath.Join(t.TempDir(), "w.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	// A COOKIE ACK packet (ports 5000→5001, vtag 1) with a valid CRC32c.
	pkt := []byte{0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4}
	binary.LittleEndian.PutUint32(pkt[8:], crc32cSum(pkt))
	_ = w.WritePacket(time.Unix(1, 0), netip.MustParseAddrPort("127.0.0.1:9899"), netip.MustParseAddrPort("127.0.0.1:9899"), pkt)
	_ = w.WritePacket(time.Unix(2, 0), netip.MustParseAddrPort("[::1]:9899"), netip.MustParseAddrPort("[::1]:9899"), pkt)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-r", path, "-o", "sctp.checksum:crc-32c", "-o", "udp.check_checksum:TRUE",
		"-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=,",
		"-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport", "-e", "udp.checksum.status",
		"-e", "sctp.chunk_type", "-e", "sctp.checksum.status", "-e", "_ws.malformed").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	want := []string{"127.0.0.1,,9899,1,11,1,", ",::1,9899,1,11,1,"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tshark fields:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func crc32cSum(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
