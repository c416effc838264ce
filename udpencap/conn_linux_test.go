//go:build linux

package udpencap

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

func TestGSOSplit(t *testing.T) {
	a := listenT(t, "udp", "")
	if !a.Capabilities().GSO {
		t.Skip("kernel without UDP GSO")
	}
	// The receiver without GRO sees the kernel's segmentation.
	b := listenT(t, "udp", "", WithoutGRO())
	const seg, full, last = 1200, 10, 517
	ms := make([]Message, full+1)
	for i := range ms {
		sz := seg
		if i == full {
			sz = last
		}
		ms[i].Buf = make([]byte, sz)
		fill(ms[i].Buf, i)
		ms[i].Addr = loopbackOf(b, "127.0.0.1")
	}
	if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if st := a.Stats(); st.GSOSends != 1 || st.WriteCalls != 1 {
		t.Fatalf("want one GSO sendmmsg, stats %+v", st)
	}
	got := readN(t, b, len(ms), 2048)
	for i := range got {
		if !bytes.Equal(got[i].Buf, ms[i].Buf) {
			t.Fatalf("segment %d: %d bytes, want %d", i, len(got[i].Buf), len(ms[i].Buf))
		}
	}
}

func TestGROCoalescedSplit(t *testing.T) {
	a := listenT(t, "udp", "")
	b := listenT(t, "udp", "")
	if !a.Capabilities().GSO || !b.Capabilities().GRO {
		t.Skip("kernel without UDP GSO/GRO")
	}
	const seg = 1200
	var ms []Message
	for i := 0; i < 40; i++ {
		sz := seg
		if i == 39 {
			sz = 33
		}
		m := Message{Buf: make([]byte, sz), Addr: loopbackOf(b, "::1")}
		fill(m.Buf, i)
		ms = append(ms, m)
	}
	if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	got := readN(t, b, len(ms), 1500)
	for i := range got {
		if !bytes.Equal(got[i].Buf, ms[i].Buf) {
			t.Fatalf("segment %d: %d bytes, want %d", i, len(got[i].Buf), len(ms[i].Buf))
		}
		if got[i].Addr != loopbackOf(a, "::1") {
			t.Fatalf("segment %d from %v", i, got[i].Addr)
		}
	}
	if st := b.Stats(); st.GROCoalesced == 0 {
		t.Fatalf("expected a coalesced GRO receive on loopback, stats %+v", st)
	}
}

func TestGSORefusedFallsBack(t *testing.T) {
	a := listenT(t, "udp", "")
	if !a.Capabilities().GSO {
		t.Skip("kernel without UDP GSO")
	}
	b := listenT(t, "udp", "", WithoutGRO())
	a.sys.refuseGSO.Store(true)
	ms := make([]Message, 8)
	for i := range ms {
		ms[i] = Message{Buf: make([]byte, 1000), Addr: loopbackOf(b, "127.0.0.1")}
		fill(ms[i].Buf, i)
	}
	if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if a.Capabilities().GSO {
		t.Fatal("GSO still reported after the kernel refused it")
	}
	st := a.Stats()
	if st.Fallbacks != 1 || st.GSOSends != 0 || !a.Capabilities().Batch {
		t.Fatalf("want one fallback to plain sendmmsg, stats %+v caps %+v", st, a.Capabilities())
	}
	got := readN(t, b, len(ms), 2048)
	for i := range got {
		if !bytes.Equal(got[i].Buf, ms[i].Buf) {
			t.Fatalf("datagram %d differs", i)
		}
	}
}

func TestICMPPortUnreachable(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			if netip.MustParseAddr(ip).Is6() {
				skipNoIPv6(t)
			}
			got := make(chan ICMPError, 16)
			a := listenT(t, "udp", "", WithICMPHandler(func(e ICMPError) {
				e.Payload = bytes.Clone(e.Payload)
				select {
				case got <- e:
				default:
				}
			}))
			// A port that was free a moment ago: nobody listens there.
			tmp := listenT(t, "udp", "")
			dead := loopbackOf(tmp, ip)
			tmp.Close()

			done := make(chan struct{})
			go func() {
				defer close(done)
				ms := newMsgs(4, 100)
				for {
					if _, err := a.ReadBatch(ms); err != nil {
						return
					}
				}
			}()
			payload := []byte("\x26\xab\x00\x07sctp-common-header")
			if _, err := a.WriteBatch([]Message{{Buf: payload, Addr: dead}}); err != nil {
				t.Fatalf("WriteBatch: %v", err)
			}
			select {
			case e := <-got:
				if !e.PortUnreachable || e.To != dead || !bytes.HasPrefix(e.Payload, payload[:4]) {
					t.Fatalf("ICMP error %+v, want port unreachable for %v carrying our payload", e, dead)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no ICMP port unreachable reported within 5s")
			}
			// The socket keeps working afterwards.
			b := listenT(t, "udp", "")
			if _, err := a.WriteBatch([]Message{{Buf: []byte("after"), Addr: loopbackOf(b, ip)}}); err != nil {
				t.Fatalf("write after ICMP: %v", err)
			}
			if g := readN(t, b, 1, 100); string(g[0].Buf) != "after" {
				t.Fatalf("got %q", g[0].Buf)
			}
			a.Close()
			<-done
			if a.Stats().ICMPErrors == 0 {
				t.Fatal("ICMPErrors counter not incremented")
			}
		})
	}
}
