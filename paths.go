package sctp

import (
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Path management and heartbeats (RFC 9260 §8.2, §8.3) on top of the
// per-path heartbeatState of heartbeat.go.

func (a *association) hbEnabled() bool {
	switch a.st {
	case StateEstablished, StateShutdownPending, StateShutdownSent, StateShutdownReceived, StateShutdownAckSent:
		return !a.cfg.hbDisabled
	}
	return false
}

// startHeartbeats (re)arms the heartbeat of every path once established.
func (a *association) startHeartbeats(now time.Time) {
	for _, p := range a.paths {
		if p.hb == nil {
			p.hb = newHeartbeatState(a.cfg.hbInterval, a.cfg.pathMaxRetrans, uint64(a.ep.randomUint32())<<32)
		}
		rto := a.rto()
		if !p.confirmed {
			// Unconfirmed addresses are probed at once (§5.4).
			rto = 0
			p.hb.start(now.Add(-a.cfg.hbInterval), rto)
			continue
		}
		p.hb.start(now, rto)
	}
}

// heartbeatTimers sends the HEARTBEATs that are due and counts
// unanswered ones against the path (Path.Max.Retrans) and the
// association (Association.Max.Retrans, §8.1).
func (a *association) heartbeatTimers(now time.Time) {
	for _, p := range a.paths {
		d := p.hb.deadline()
		if d.IsZero() || now.Before(d) {
			continue
		}
		wasOutstanding := p.hb.outstanding
		failed, info := p.hb.timeout(now, a.rto(), a.scratch[:0])
		if wasOutstanding && p.confirmed {
			a.errorCount++
		}
		hb := chunk.Heartbeat{Info: info}
		a.queueSpecial(p.addrPort(), a.peerTag, hb.AppendTo(nil))
		a.st0.HeartbeatsOut++
		if failed && p.active {
			p.active = false
			a.emit(PeerAddrChange{ID: a.aid, Addr: p.addrPort(), State: AddrUnreachable})
		}
		if a.errorCount > a.cfg.maxRetrans {
			a.fail(now)
			return
		}
	}
}

// handleHeartbeat answers a HEARTBEAT with a HEARTBEAT ACK carrying the
// same info, sent to the HEARTBEAT's source address (§8.3).
func (a *association) handleHeartbeat(now time.Time, from netip.AddrPort, c chunk.Raw) {
	var hb chunk.Heartbeat
	if err := hb.Decode(c); err != nil {
		a.st0.DroppedBadChunk++
		return
	}
	ack := chunk.HeartbeatAck{Info: hb.Info}
	a.queueSpecial(from, a.peerTag, ack.AppendTo(nil))
}

// handleHeartbeatAck takes the RTT sample of a HEARTBEAT ACK, confirms
// the path and clears its error counters (§8.3).
func (a *association) handleHeartbeatAck(now time.Time, from netip.AddrPort, c chunk.Raw) {
	var ack chunk.HeartbeatAck
	if err := ack.Decode(c); err != nil {
		a.st0.DroppedBadChunk++
		return
	}
	p := a.pathFor(from.Addr().Unmap())
	if p == nil || p.hb == nil {
		return
	}
	rtt, _, ok := p.hb.ack(now, ack.Info)
	if !ok {
		return
	}
	a.errorCount = 0
	if !p.confirmed {
		p.confirmed = true
		a.emit(PeerAddrChange{ID: a.aid, Addr: p.addrPort(), State: AddrConfirmed})
	}
	if !p.active {
		p.active = true
		a.emit(PeerAddrChange{ID: a.aid, Addr: p.addrPort(), State: AddrAvailable})
	}
	if p == a.paths[a.primary] && a.data != nil {
		a.data.rttSample(now, rtt)
	}
}
