package sctp

import (
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Path management and heartbeats (RFC 9260 §8.2, §8.3, §5.4) on top of
// the pathSet of association_paths.go.

// hbEnabled reports whether heartbeat timers run: from ESTABLISHED until
// SHUTDOWN or SHUTDOWN ACK is sent (§8.3).
func (a *association) hbEnabled() bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownReceived:
		return true
	}
	return false
}

// startHeartbeats starts heartbeating on reaching ESTABLISHED.
func (a *association) startHeartbeats(now time.Time) {
	a.paths.startHeartbeats(now)
	a.pmtudStart(now) // RFC 8899 probes are HEARTBEATs too (association_pmtud.go)
}

// heartbeatTimers counts unanswered HEARTBEATs (Path.Max.Retrans, and
// Association.Max.Retrans for the data path, §8.1) and sends the
// HEARTBEATs that are due, each to its own address.
func (a *association) heartbeatTimers(now time.Time) {
	if d := a.paths.deadline(); d.IsZero() || now.Before(d) {
		return
	}
	// §8.1: unanswered HEARTBEATs on the data path count in the same
	// association error counter as T3-rtx expiries (dataState's).
	failed := a.data != nil && a.data.addErrors(a.paths.timeout(now))
	for range maxPaths {
		hb, idx, ok := a.paths.appendHeartbeat(now, nil)
		if !ok {
			break
		}
		a.queueSpecial(a.paths.path(idx).addr, a.peerTag, hb)
		a.counters.HeartbeatsOut++
		if idx == a.paths.current() && a.data != nil {
			// The data path is idle for a heartbeat period (§8.3): let
			// go of the buffers kept for reuse while data flowed.
			a.data.trimIdle()
		}
	}
	a.reportPathChanges()
	if failed {
		a.fail(now)
	}
}

// reportPathChanges turns path state changes into PeerAddrChange events.
func (a *association) reportPathChanges() {
	for range 4 * maxPaths {
		ch, ok := a.paths.nextChange()
		if !ok {
			return
		}
		var st PeerAddrState
		switch ch.kind {
		case pathConfirmed:
			st = AddrConfirmed
		case pathAvailable:
			st = AddrAvailable
		case pathUnreachable:
			st = AddrUnreachable
		default:
			continue
		}
		a.logPath(ch.addr, st)
		a.emit(PeerAddrChange{ID: a.aid, Addr: ch.addr, State: st, Port: a.peerPort})
	}
}

// handleHeartbeat answers a HEARTBEAT with a HEARTBEAT ACK carrying the
// same info, sent to the HEARTBEAT's source address (§8.3).
func (a *association) handleHeartbeat(now time.Time, from netip.AddrPort, c chunk.Raw) {
	if a.peerTag == 0 {
		// COOKIE-WAIT: no peer tag to answer under (a packet without INIT
		// never carries tag 0, RFC 9260 §8.5); a peer that has not
		// answered our INIT sends no HEARTBEAT.
		a.counters.DroppedWrongState++
		return
	}
	var hb chunk.Heartbeat
	if err := hb.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return
	}
	a.queueSpecial(from, a.peerTag, appendHeartbeatAck(nil, &hb))
}

// handleHeartbeatAck verifies a HEARTBEAT ACK, clears the error counters,
// confirms the path and feeds the RTT sample of the data path to the
// data path's RTO (§8.3, §6.3.1).
func (a *association) handleHeartbeatAck(now time.Time, from netip.AddrPort, c chunk.Raw) {
	var ack chunk.HeartbeatAck
	if err := ack.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return
	}
	if a.pmtudProbeAck(now, ack.Info) {
		return // a PLPMTUD probe's (association_pmtud.go), not §8.3's
	}
	rtt, idx, ok := a.paths.handleHeartbeatAck(now, ack.Info)
	if !ok {
		return
	}
	if a.data != nil {
		// §8.1: any HEARTBEAT ACK clears the association error counter.
		a.data.resetErrors()
	}
	if idx == a.paths.current() && a.data != nil && rtt > 0 {
		a.data.rttSample(now, rtt)
	}
	a.reportPathChanges()
}

// handshakeRTT feeds the RTT sample of the handshake into the primary
// path's and the data path's estimators (RFC 9260 §6.3.1 C2), so Status
// and Stats show an SRTT from the start: sent is when the chunk this
// side's handshake answer acknowledges was sent — the COOKIE ECHO for the
// side that connected (usable only if it was never retransmitted, §6.3.1
// C5, Karn's rule: ok), the INIT ACK, whose time the State Cookie
// carries, for the side that accepted. A sample outside (0, RTO.Max] is
// ignored (a clock step, or a cookie answered late).
func (a *association) handshakeRTT(now time.Time, ok bool, sent time.Time) {
	rtt := now.Sub(sent)
	if !ok || a.paths == nil || rtt <= 0 || rtt > a.cfg.rto.max {
		return
	}
	a.paths.rttSample(a.paths.primary, rtt)
	if a.data != nil {
		a.data.rttSample(now, rtt)
	}
}
