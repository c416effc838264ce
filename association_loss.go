package sctp

import "time"

// Time-based loss detection and tail loss probes: RACK-TLP (RFC 8985),
// written for TCP, adapted here to SCTP's SACKs. A plain struct, no clock:
// every method takes the time it needs.
//
// How the TCP rules map onto SCTP:
//
//   - A "segment" is one DATA chunk (one TSN); its transmit time is
//     outChunk.sentAt, refreshed on every retransmission.
//   - "Delivered" (RFC 8985 §6.1) is: acknowledged by the SACK's
//     Cumulative TSN Ack or by a Gap Ack Block for the first time. SCTP
//     SACKs are cumulative and carry the full gap picture (RFC 9260
//     §3.3.4), like TCP SACK.
//   - RACK.end_seq becomes the TSN; RACK.fack the highest TSN delivered.
//   - DSACK (RFC 8985 §6.2 step 4 and its use of RFC 3708) becomes the
//     Duplicate TSN report of the SACK (RFC 9260 §3.3.4, §6.2): a TSN
//     reported duplicate that we had retransmitted tells us the
//     retransmission was spurious, which widens the reordering window.
//   - The probe timeout's worst-case delayed ACK (RFC 8985 §7.2,
//     WCDelAckT) is SCTP's delayed SACK time (RFC 9260 §6.2, the
//     association's sackDelay).
//
// RACK-TLP is kept per association, not per destination. Its inputs are
// the association's: one TSN space, one SACK stream reporting every
// destination's chunks, and transmit times that order chunks across
// destinations; new DATA goes to one destination at a time (no
// concurrent multipath), so "the most recently sent chunk delivered"
// means the same whichever path carried it, and a retransmission moved to
// an alternate (RFC 9260 §6.4.1) is judged by its own later transmit time
// like any other. What is per destination is fed from it: a loss RACK
// marks reduces the cwnd of the destination the chunk was sent to
// (dataState.lossDests), and the probe timeout uses the SRTT of the
// destination new DATA goes to (d.rto). The price: when the two paths'
// RTTs differ a lot, a chunk on the slower one may be judged lost early
// (the reordering window, §6.2 step 4, absorbs some); a per-destination
// RACK would need per-destination delivery order, which SCTP's SACK does
// not report.
//
// RACK runs beside RFC 9260 §7.2.4 (three miss indications) until the
// path shows reordering: whichever sees the loss first marks the chunk.
// Once reordering is seen (reorder below), RACK alone judges loss, the
// role RFC 8985 §6.2 step 4 gives the DupAck threshold (handleSack).
// Unlike §7.2.4 it also detects a
// lost retransmission (RFC 8985 §6.2: the retransmission has a newer
// transmit time, and when a chunk sent after it is delivered while it is
// not, it is lost again) — without waiting for T3-rtx, which is what
// stalled lossy transfers for a whole RTO (issue 11, bench/README.md).
type rackState struct {
	minRTT  time.Duration // RFC 8985 §6.2 step 2: smallest RTT seen (Karn-safe samples)
	rtt     time.Duration // RACK.rtt: RTT of the most recently sent chunk delivered
	xmitTS  time.Time     // RACK.xmit_ts
	endTSN  uint32        // RACK.end_seq
	fack    uint32        // RACK.fack: highest TSN delivered
	endRetx bool          // the RACK chunk (endTSN) was a retransmission
	have    bool          // xmitTS/endTSN/fack are set
	reorder bool          // RACK.reordering_seen (§6.2 step 3)

	// Reordering window adaptation (RFC 8985 §6.2 step 4).
	reoWndExtra   int // steps added to the window (RACK.reo_wnd_mult − 1)
	reoWndPersist int
	dsackRound    uint32 // TSN that ends the round in which the window last grew
	dsackRoundSet bool
}

// rackReoWndPersist is RFC 8985 §6.2 step 4's count of loss recoveries
// after which a widened reordering window is reset.
const rackReoWndPersist = 16

// delivered is RFC 8985 §6.2 steps 1–3 for one chunk newly acknowledged
// by a SACK: sentAt is its last transmit time, retransmitted whether it
// was sent more than once, now the arrival of the SACK.
func (r *rackState) delivered(now, sentAt time.Time, tsn uint32, retransmitted bool) {
	rtt := now.Sub(sentAt)
	if retransmitted && r.minRTT > 0 && rtt < r.minRTT {
		// §6.2 step 2: acknowledged sooner than any round trip: the ack
		// was for the original transmission; this chunk says nothing
		// about the retransmission's time.
		return
	}
	if !retransmitted && (r.minRTT == 0 || rtt < r.minRTT) && rtt > 0 {
		r.minRTT = rtt
	}
	// §6.2 step 3: a chunk never retransmitted delivered below the
	// highest delivered TSN arrived out of order.
	if r.have && !retransmitted && tsnLT(tsn, r.fack) {
		r.reorder = true
	}
	if !r.have || tsnGT(tsn, r.fack) {
		r.fack = tsn
	}
	// §6.2 step 2: RACK follows the most recently *sent* delivered chunk
	// (ties broken by the higher TSN).
	if !r.have || sentAt.After(r.xmitTS) || (sentAt.Equal(r.xmitTS) && tsnGT(tsn, r.endTSN)) {
		r.xmitTS, r.endTSN, r.rtt, r.have = sentAt, tsn, rtt, true
		r.endRetx = retransmitted
	}
}

// spurious reports a Duplicate TSN for a chunk we had retransmitted (the
// SCTP analogue of a DSACK, RFC 3708 §3): the reordering window grows by
// one step (RACK.reo_wnd_mult + 1), at most once per round trip (RFC 8985 §6.2 step 4). nextTSN
// is the next TSN to be sent: the round ends when it is acknowledged.
func (r *rackState) spurious(cumAck, nextTSN uint32) {
	r.reorder = true
	if r.dsackRoundSet && tsnLT(cumAck, r.dsackRound) {
		return
	}
	r.reoWndExtra++
	r.dsackRound, r.dsackRoundSet = nextTSN, true
	r.reoWndPersist = rackReoWndPersist
}

// recoveryEnded counts a finished loss recovery: after 16 of them
// without a new spurious retransmission the window shrinks back (RFC 8985
// §6.2 step 4).
func (r *rackState) recoveryEnded() {
	if r.reoWndPersist > 0 {
		r.reoWndPersist--
		if r.reoWndPersist == 0 {
			r.reoWndExtra = 0
		}
	}
}

// reoWnd is RFC 8985 §6.2 step 4: the time a chunk may arrive late
// before it counts as lost. Without reordering seen, during recovery the
// window is zero (losses are the likelier explanation); otherwise it is
// min_RTT/4 times the multiplier, at most SRTT.
func (r *rackState) reoWnd(srtt time.Duration, inRecovery bool) time.Duration {
	if !r.reorder && inRecovery {
		return 0
	}
	w := time.Duration(1+r.reoWndExtra) * r.minRTT / 4
	if srtt > 0 && w > srtt {
		w = srtt
	}
	return w
}

// lostAt is RFC 8985 §6.2 step 5 for one outstanding chunk: a chunk sent
// before the most recently sent delivered one (or at the same time with a
// lower TSN) is lost once RACK.rtt + reoWnd has passed since it was sent.
// It returns the time at which the chunk counts as lost, and ok = false
// when RACK cannot judge it yet (sent after everything delivered).
func (r *rackState) lostAt(sentAt time.Time, tsn uint32, reoWnd time.Duration) (at time.Time, ok bool) {
	if !r.have {
		return time.Time{}, false
	}
	if sentAt.After(r.xmitTS) || (sentAt.Equal(r.xmitTS) && !tsnLT(tsn, r.endTSN)) {
		return time.Time{}, false
	}
	return sentAt.Add(r.rtt + reoWnd), true
}

// probeTimeout is RFC 8985 §7.2: PTO = 2·SRTT, plus the worst-case
// delayed SACK when only one chunk is outstanding (the receiver may hold
// its SACK for sackDelay, RFC 9260 §6.2); without an RTT sample the PTO
// is 1 s. The caller caps it at the T3-rtx deadline (§7.2: a PTO never
// fires after the RTO would).
func probeTimeout(srtt time.Duration, measured bool, outstanding int, sackDelay time.Duration) time.Duration {
	if !measured {
		return time.Second
	}
	pto := 2 * srtt
	if outstanding == 1 {
		pto += sackDelay
	}
	return max(pto, rtoGranularity)
}
