package sctp

import (
	"errors"
	"time"

	"github.com/usctp/sctp/chunk"
)

// shutdown starts a graceful shutdown (RFC 9260 §9.2): SHUTDOWN-PENDING
// until all outstanding data is acknowledged, then SHUTDOWN.
func (a *association) shutdown(now time.Time) {
	a.ep.poke(a) // user operation: may queue output, move the deadline
	switch a.state {
	case stateCookieWait:
		// No peer state exists yet: delete the TCB.
		a.close(now, CantStartAssoc, ErrClosed, nil)
	case stateCookieEchoed:
		// The peer may hold a TCB: abort it.
		a.sendAbort(now, nil, ErrClosed)
	case stateEstablished:
		a.setState(stateShutdownPending)
		a.afterData(now)
	}
}

// startShutdown sends SHUTDOWN and enters SHUTDOWN-SENT with T2-shutdown
// and T5-shutdown-guard running (RFC 9260 §9.2).
func (a *association) startShutdown(now time.Time) {
	a.setState(stateShutdownSent)
	a.queueShutdown()
	a.t2.stop()
	a.t2.start(now, a.rto())
	// T5-shutdown-guard: 5 × RTO.Max (RFC 9260 §9.2).
	a.t5 = now.Add(5 * a.cfg.rto.max)
}

// queueShutdown queues a SHUTDOWN carrying our cumulative TSN ack, with a
// SACK bundled.
func (a *association) queueShutdown() {
	if a.pendingShutdown {
		return
	}
	a.pendingShutdown = true
	a.pendingSack = true
	s := chunk.Shutdown{CumTSNAck: a.data.cumTSNAck()}
	a.queueCtrl(&s)
}

// sendShutdownAck sends SHUTDOWN ACK and enters SHUTDOWN-ACK-SENT with
// T2-shutdown running (RFC 9260 §9.2).
func (a *association) sendShutdownAck(now time.Time) {
	a.setState(stateShutdownAckSent)
	a.queueShutdownAck()
	a.t2.stop()
	a.t2.start(now, a.rto())
}

func (a *association) queueShutdownAck() {
	a.queueCtrl(&chunk.ShutdownAck{})
}

// handleShutdown processes SHUTDOWN (RFC 9260 §9.2) and reports whether
// to stop processing the packet.
func (a *association) handleShutdown(now time.Time, c chunk.Raw) bool {
	var s chunk.Shutdown
	if err := s.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	switch a.state {
	case stateEstablished, stateShutdownPending:
		a.ackFromShutdown(now, s.CumTSNAck)
		if a.state == stateClosed {
			return true
		}
		a.setState(stateShutdownReceived)
		a.emit(ShutdownEvent{ID: a.aid})
		a.afterData(now)
	case stateShutdownSent:
		// Crossed SHUTDOWNs: SHUTDOWN ACK at once, SHUTDOWN-ACK-SENT,
		// T2 restarted.
		a.ackFromShutdown(now, s.CumTSNAck)
		if a.state == stateClosed {
			return true
		}
		a.emit(ShutdownEvent{ID: a.aid})
		a.pendingShutdown = false
		a.ctrl = a.ctrl[:0]
		a.t5 = time.Time{}
		a.sendShutdownAck(now)
	case stateShutdownReceived:
		a.ackFromShutdown(now, s.CumTSNAck)
	case stateShutdownAckSent:
		// A retransmitted SHUTDOWN: our SHUTDOWN ACK was lost.
		a.queueShutdownAck()
	default:
		a.counters.DroppedWrongState++
	}
	return false
}

// ackFromShutdown applies the Cumulative TSN Ack of a SHUTDOWN as a SACK
// without gaps (RFC 9260 §9.2), keeping the peer's last window.
func (a *association) ackFromShutdown(now time.Time, cum uint32) {
	if a.data == nil {
		return
	}
	a.sackC.CumTSNAck = cum
	a.sackC.ARwnd = a.data.stats().peerRwnd
	a.sackC.Gaps = a.sackC.Gaps[:0]
	a.sackC.DupTSNs = a.sackC.DupTSNs[:0]
	if err := a.data.handleSack(now, &a.sackC); err != nil && errors.Is(err, errCumAckBeyondSent) {
		a.sendAbort(now, chunk.AppendCause(nil, chunk.CauseProtocolViolation, []byte("SHUTDOWN cumulative TSN ack beyond max TSN sent")), ErrAborted)
	}
}

// handleShutdownAck processes SHUTDOWN ACK (RFC 9260 §9.2): SHUTDOWN
// COMPLETE and CLOSED.
func (a *association) handleShutdownAck(now time.Time, _ chunk.Raw) {
	switch a.state {
	case stateShutdownSent, stateShutdownAckSent:
		sc := chunk.ShutdownComplete{}
		a.queueSpecial(a.dest(), a.peerTag, sc.AppendTo(nil))
		a.close(now, ShutdownComp, nil, nil)
	default:
		a.counters.DroppedWrongState++
	}
}

// handleShutdownComplete processes SHUTDOWN COMPLETE in SHUTDOWN-ACK-SENT
// (RFC 9260 §9.2) after the §8.5.1 C tag check.
func (a *association) handleShutdownComplete(now time.Time, h commonHeader, c chunk.Raw) {
	var sc chunk.ShutdownComplete
	if err := sc.Decode(c); !a.tBitOK(h, err, sc.T) {
		return
	}
	if a.state != stateShutdownAckSent {
		a.counters.DroppedWrongState++
		return
	}
	a.close(now, ShutdownComp, nil, nil)
}

// t2Expired retransmits SHUTDOWN or SHUTDOWN ACK with backoff; after
// Association.Max.Retrans the association fails (RFC 9260 §9.2).
func (a *association) t2Expired(now time.Time) {
	if !a.retransmitOnExpiry(now, &a.t2, a.cfg.maxRetrans, &a.counters.T2Retransmits) {
		a.fail(now)
	}
}

// t5Expired: the shutdown did not finish in time; ABORT (RFC 9260 §9.2).
func (a *association) t5Expired(now time.Time) {
	a.t5 = time.Time{}
	a.fail(now)
}
