package sctp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// End-to-end PLPMTUD (RFC 8899) over simnet: the link's MTU is a cap on
// the UDP payload (the SCTP packet), with no ICMP — what a black hole is.
// endpointPair: eps[1] (the client) is IPv6 and sends to the server's IPv4
// address, so its path's overhead is 28 bytes; the server's path back is
// IPv6, 48 bytes.

// pmtudCfg is an association config with PLPMTUD on up to ceiling.
func pmtudCfg(ceiling int) assocConfig {
	c := assocConfig{outStreams: 2, maxInStreams: 2, rwnd: 4 << 20, sndBuf: 4 << 20}
	c.setPMTUD(true, ceiling)
	return c
}

// pmtudPath returns the machine of a's primary path.
func pmtudPath(a *association) *plpmtud { return &a.paths.path(a.paths.primary).pmtud }

// simSizes records the largest SCTP packet carrying DATA, and the largest
// packet, delivered in each direction.
type simSizes struct {
	maxData map[netip.AddrPort]int
}

func newSimSizes(pn *endpointPair) *simSizes {
	s := &simSizes{maxData: map[netip.AddrPort]int{}}
	pn.sim.SetTap(func(now time.Time, dir simnet.TapDir, from, to netip.AddrPort, pkt []byte) {
		if dir == simnet.TapDeliver && simHasChunk(pkt, chunk.TypeData) && len(pkt) > s.maxData[from] {
			s.maxData[from] = len(pkt)
		}
	})
	return s
}

// pmtudTransfer sends msgs messages of size bytes from client to server
// (as fast as the send buffer takes them) and runs the network until the
// server read all of them, in order and intact, within limit of virtual
// time. before, if set, runs before message i is queued. It returns the
// longest time the server went without a message.
func pmtudTransfer(t *testing.T, pn *endpointPair, client, server *association, msgs, size int, limit time.Duration, before func(i int)) (maxGap time.Duration) {
	t.Helper()
	sent, got := 0, 0
	last := pn.now()
	msg := make([]byte, size)
	pn.runFor("transfer", limit, func() bool {
		for sent < msgs {
			if before != nil {
				before(sent)
			}
			binary.BigEndian.PutUint32(msg, uint32(sent))
			msg[size-1] = byte(sent)
			if err := client.send(pn.now(), outMessage{data: msg}); err != nil {
				if errors.Is(err, errSendBufferFull) {
					break
				}
				t.Fatalf("send %d: %v", sent, err)
			}
			sent++
		}
		for {
			m, ok := server.readMessage()
			if !ok {
				break
			}
			if m.partial || len(m.data) != size || binary.BigEndian.Uint32(m.data) != uint32(got) || m.data[size-1] != byte(got) {
				t.Fatalf("message %d: got %d bytes, id %d, partial %v", got, len(m.data), binary.BigEndian.Uint32(m.data), m.partial)
			}
			maxGap = max(maxGap, pn.now().Sub(last))
			last = pn.now()
			got++
		}
		return got == msgs
	})
	if client.currentState() != stateEstablished {
		t.Fatalf("client %v", client.currentState())
	}
	return maxGap
}

// TestPMTUDSimJumbo: on a path whose MTU is 9000, with the ceiling raised
// to 9000, both ends find it (RFC 8899 §5.3): the IPv4 path 9000 − 28, the
// IPv6 path 9000 − 48; DATA then goes in packets of that size, and
// nothing larger than the path carries was ever sent (no probe above the
// ceiling).
func TestPMTUDSimJumbo(t *testing.T) {
	pn := newEndpointPair(t, 1, simnet.LinkConfig{Delay: 5 * time.Millisecond})
	pn.sim.SetLink(pn.addrs[1], pn.addrs[0], simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 9000 - 28})
	pn.sim.SetLink(pn.addrs[0], pn.addrs[1], simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 9000 - 48})
	sizes := newSimSizes(pn)
	client, server := pn.connect(pmtudCfg(9000))
	if client.cfg.mtu != 1172 || server.cfg.mtu != 1232 {
		t.Fatalf("packets before probing: client %d server %d, want BASE_PLPMTU 1172 (IPv4) and 1232 (IPv6)", client.cfg.mtu, server.cfg.mtu)
	}
	pn.runFor("search", time.Minute, func() bool {
		return pmtudPath(client).state == pmtudSearchComplete && pmtudPath(server).state == pmtudSearchComplete
	})
	if got := pmtudPath(client).plpmtu; got != 8972 || client.cfg.mtu != 8972 {
		t.Fatalf("client PLPMTU %d, packet size %d; want 8972", got, client.cfg.mtu)
	}
	if got := pmtudPath(server).plpmtu; got != 8952 || server.cfg.mtu != 8952 {
		t.Fatalf("server PLPMTU %d, packet size %d; want 8952", got, server.cfg.mtu)
	}
	pmtudTransfer(t, pn, client, server, 20, 64<<10, time.Minute, nil)
	if got := sizes.maxData[pn.addrs[1]]; got <= 8000 || got > 8972 {
		t.Fatalf("largest DATA packet %d bytes, want above 8000 and at most 8972", got)
	}
	if d := pn.sim.Stats().Dropped[simnet.DropMTU]; d != 0 {
		t.Fatalf("%d datagrams above the path MTU", d)
	}
	st := client.stats()
	if st.PMTUProbes != st.PMTUProbesAcked || st.PMTUProbes == 0 || st.PMTUBlackHoles != 0 {
		t.Fatalf("client probes %d acked %d black holes %d", st.PMTUProbes, st.PMTUProbesAcked, st.PMTUBlackHoles)
	}
	// Status per path (SCTP_GET_PEER_ADDR_INFO): the path's PLPMTU.
	if ps := client.pathInfos(nil); len(ps) != 1 || ps[0].mtu != 8972 || ps[0].pmtud.state != pmtudSearchComplete || ps[0].pmtud.acked == 0 {
		t.Fatalf("path info %+v", ps)
	}
}

// TestPMTUDSimBlackHoleFromStart: a path that silently drops SCTP packets
// larger than 1300 bytes (no ICMP): the search stops at 1252 (the 1280
// step) after MAX_PROBES lost probes of the 1400 step; data flows from the
// first message on, in packets of confirmed sizes only, so no DATA is
// ever lost to the MTU. The lost probes are no DATA loss (RFC 8899 §4.4):
// no retransmission, no path error, cwnd untouched.
func TestPMTUDSimBlackHoleFromStart(t *testing.T) {
	pn := newEndpointPair(t, 2, simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 1300})
	sizes := newSimSizes(pn)
	client, server := pn.connect(pmtudCfg(1500))
	pmtudTransfer(t, pn, client, server, 200, 10000, 10*time.Minute, nil)
	pn.runFor("search", 5*time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	m := pmtudPath(client)
	if m.plpmtu != 1252 || client.cfg.mtu != 1252 {
		t.Fatalf("client PLPMTU %d, packet size %d; want 1252", m.plpmtu, client.cfg.mtu)
	}
	if m.probesLost != pmtudMaxProbes {
		t.Fatalf("probes lost %d, want MAX_PROBES", m.probesLost)
	}
	if got := sizes.maxData[pn.addrs[1]]; got > 1300 {
		t.Fatalf("DATA packet of %d bytes delivered over a 1300-byte path", got)
	}
	st := client.stats()
	if st.T3Retransmits != 0 || st.FastRetransmits != 0 {
		t.Fatalf("DATA retransmitted (%d T3, %d fast): lost probes were taken for DATA loss, or DATA was too large", st.T3Retransmits, st.FastRetransmits)
	}
	if p := client.paths.path(client.paths.primary); p.errors != 0 || !p.active {
		t.Fatalf("path errors %d active %v after lost probes", p.errors, p.active)
	}
	// Probes lost to the MTU, nothing else.
	if d := pn.sim.Stats().Dropped[simnet.DropMTU]; d != pmtudMaxProbes*2 {
		t.Fatalf("%d datagrams dropped for size, want the %d lost probes of the two ends", d, pmtudMaxProbes*2)
	}
}

// TestPMTUDSimMTUDropMidTransfer: the path's MTU falls from 9000 to 1300
// in the middle of a transfer, without ICMP. Full-size packets are lost;
// two T3-rtx expiries in a row on the path take it for a black hole (RFC
// 8899 §4.3), the packet size drops to BASE_PLPMTU, the chunks go again in
// packets that pass, every message arrives once and in order, and the
// search settles at the new path MTU.
func TestPMTUDSimMTUDropMidTransfer(t *testing.T) {
	pn := newEndpointPair(t, 3, simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 8972})
	client, server := pn.connect(pmtudCfg(9000))
	pn.runFor("search", time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	if client.cfg.mtu != 8972 {
		t.Fatalf("client packet size %d, want 8972", client.cfg.mtu)
	}
	small := simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 1300}
	gap := pmtudTransfer(t, pn, client, server, 2000, 1000, 10*time.Minute, func(i int) {
		if i == 500 {
			pn.sim.SetDefaultLink(small)
		}
	})
	st := client.stats()
	if st.PMTUBlackHoles == 0 {
		t.Fatal("no black hole detected")
	}
	// Two T3-rtx expiries: RTO.Min 200 ms, then backed off to 400 ms.
	if gap > 2*time.Second {
		t.Fatalf("delivery stalled for %v after the MTU dropped", gap)
	}
	pn.runFor("search", 5*time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	if m := pmtudPath(client); m.plpmtu != 1252 || client.cfg.mtu != 1252 {
		t.Fatalf("after the drop: PLPMTU %d packet size %d, want 1252", m.plpmtu, client.cfg.mtu)
	}
	// And data keeps flowing.
	pmtudTransfer(t, pn, client, server, 100, 1000, time.Minute, nil)
	t.Logf("client: %d black holes, %d T3 retransmissions, %d probes (%d acked); longest stall %v", st.PMTUBlackHoles, st.T3Retransmits, st.PMTUProbes, st.PMTUProbesAcked, gap)
}

// TestPMTUDSimProbePacket: a probe is one SCTP packet of exactly the
// probed size holding a HEARTBEAT then a PAD chunk (RFC 8899 §6.2.1.1,
// RFC 4820); the peer answers with a plain HEARTBEAT ACK, and a HEARTBEAT
// ACK whose info was altered acknowledges nothing.
func TestPMTUDSimProbePacket(t *testing.T) {
	pn := newEndpointPair(t, 4, simnet.LinkConfig{Delay: 5 * time.Millisecond})
	type seen struct {
		size  int
		types []chunk.Type
	}
	var probes []seen
	pn.sim.SetTap(func(now time.Time, dir simnet.TapDir, from, to netip.AddrPort, pkt []byte) {
		if dir != simnet.TapSend || from != pn.addrs[1] || !simHasChunk(pkt, chunk.TypePad) {
			return
		}
		s := seen{size: len(pkt)}
		for it := chunk.NewIter(pkt[commonHeaderLen:]); it.Next(); {
			s.types = append(s.types, it.Chunk().Type)
		}
		probes = append(probes, s)
	})
	client, _ := pn.connect(pmtudCfg(1500))
	pn.runFor("search", time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	want := []int{1252, 1372, 1392, 1452, 1464, 1472} // BASE (1172) as well, with a PAD of its own
	if len(probes) != len(want)+1 {
		t.Fatalf("probes %+v", probes)
	}
	for i, p := range probes {
		if len(p.types) != 2 || p.types[0] != chunk.TypeHeartbeat || p.types[1] != chunk.TypePad {
			t.Fatalf("probe %d chunks %v, want HEARTBEAT, PAD", i, p.types)
		}
		if i > 0 && p.size != want[i-1] {
			t.Fatalf("probe %d is %d bytes, want %d", i, p.size, want[i-1])
		}
	}
	if probes[0].size != 1172 {
		t.Fatalf("first probe %d bytes, want BASE_PLPMTU 1172", probes[0].size)
	}
	// A forged acknowledgement of a probe in flight is dropped.
	ps := client.paths
	m := pmtudPath(client)
	m.probed, m.nonce = 1500, 7
	info := append([]byte(nil), ps.sealProbeInfo(ps.primary, 1500, pn.now(), 7)...)
	info[hbInfoMACOff] ^= 1
	if !client.pmtudProbeAck(pn.now(), info) || m.probed != 1500 || m.plpmtu != 1472 {
		t.Fatal("forged probe acknowledgement taken")
	}
	info[hbInfoMACOff] ^= 1
	if !client.pmtudProbeAck(pn.now(), info) || m.plpmtu != 1500 {
		t.Fatalf("genuine probe acknowledgement not taken: PLPMTU %d", m.plpmtu)
	}
}

// TestPMTUDSimPacketTooBigHint: with PLPMTUD on, an ICMP Packet Too Big is
// a hint the probes validate (RFC 8899 §4.6): one quoting a packet that is
// not ours, or reporting a size no smaller than the probe, changes
// nothing; a valid one drops the path to BASE_PLPMTU (§4.6.2) and the
// search probes the reported size right after BASE, confirms it, and
// stays there when the next step fails — the odd path MTU the network
// reported is used, once a probe has confirmed it.
func TestPMTUDSimPacketTooBigHint(t *testing.T) {
	pn := newEndpointPair(t, 5, simnet.LinkConfig{Delay: 5 * time.Millisecond})
	client, _ := pn.connect(pmtudCfg(1500))
	pn.runFor("search", time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	if client.cfg.mtu != 1472 {
		t.Fatalf("packet size %d", client.cfg.mtu)
	}
	// The path shrinks to 1350 bytes (IP), and a router says so.
	pn.sim.SetDefaultLink(simnet.LinkConfig{Delay: 5 * time.Millisecond, MTU: 1350 - 28})
	quote := func(vtag uint32) []byte {
		q := make([]byte, commonHeaderLen)
		binary.BigEndian.PutUint16(q[0:], client.localPort)
		binary.BigEndian.PutUint16(q[2:], client.peerPort)
		binary.BigEndian.PutUint32(q[4:], vtag)
		return q
	}
	ep := pn.eps[1]
	for _, ev := range []icmpEvent{
		{kind: icmpPacketTooBig, to: pn.addrs[0], mtu: 1350, quoted: quote(client.peerTag + 1)}, // not our packet
		{kind: icmpPacketTooBig, to: pn.addrs[0], mtu: 1500, quoted: quote(client.peerTag)},     // not below what we use
	} {
		ep.handleICMP(pn.now(), &ev)
		if client.cfg.mtu != 1472 || pmtudPath(client).state != pmtudSearchComplete {
			t.Fatalf("%+v acted", ev)
		}
	}
	ep.handleICMP(pn.now(), &icmpEvent{kind: icmpPacketTooBig, to: pn.addrs[0], mtu: 1350, quoted: quote(client.peerTag)})
	if m := pmtudPath(client); m.state != pmtudBase || client.cfg.mtu != 1172 {
		t.Fatalf("after a valid PTB: %v, packet size %d; want BASE and 1172", m.state, client.cfg.mtu)
	}
	pn.runFor("search", 5*time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	if m := pmtudPath(client); m.plpmtu != 1320 || client.cfg.mtu != 1320 {
		t.Fatalf("PLPMTU %d packet size %d; want 1320, the PTB's 1350 less 28", m.plpmtu, client.cfg.mtu)
	}
	if in, ign := ep.counters.ICMPIn, ep.counters.ICMPIgnored; in != 3 || ign != 2 {
		t.Fatalf("ICMP in %d ignored %d", in, ign)
	}
}

// TestPMTUDSmallestActivePath: the association's packet size, and so its
// fragmentation point, is the smallest PLPMTU of its confirmed, active
// paths (RFC 9260 §6.9, §7.3: a chunk may be retransmitted to any of
// them); a path that is inactive does not count.
func TestPMTUDSmallestActivePath(t *testing.T) {
	pn := newEndpointPair(t, 6, simnet.LinkConfig{Delay: 5 * time.Millisecond})
	client, _ := pn.connect(pmtudCfg(1500))
	pn.runFor("search", time.Minute, func() bool { return pmtudPath(client).state == pmtudSearchComplete })
	if client.cfg.mtu != 1472 {
		t.Fatalf("packet size %d", client.cfg.mtu)
	}
	second := netip.MustParseAddr("10.0.0.9")
	if !client.addPath(pn.now(), second, 9899, true) {
		t.Fatal("second path not added")
	}
	idx, _ := client.pathIdx(second)
	p := client.paths.path(idx)
	p.pmtud = plpmtud{cfg: newPMTUDConfig(second, 1500), state: pmtudSearchComplete, plpmtu: 1300}
	client.pmtudApply(pn.now(), true)
	if client.cfg.mtu != 1300 || client.fragmentationPoint(0) != 1300-28 {
		t.Fatalf("packet size %d fragmentation point %d, want the smaller path's 1300 and 1272", client.cfg.mtu, client.fragmentationPoint(0))
	}
	p.active = false
	client.pmtudApply(pn.now(), true)
	if client.cfg.mtu != 1472 {
		t.Fatalf("packet size %d with the smaller path inactive, want 1472", client.cfg.mtu)
	}
}
