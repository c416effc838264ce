package sctp

// congestionController is the seam between the data path and a congestion
// control algorithm (RFC 9260 §7). The data path tracks flight size and
// tells the controller about acknowledgements and losses; the controller
// owns cwnd and ssthresh. All sizes are bytes of DATA chunks, header and
// padding included (dataState.booked, RFC 9260 §7.2).
//
// A controller is a plain struct: no clock, no goroutines. Other algorithms
// (CUBIC, RFC 9438) implement the same interface.
type congestionController interface {
	// window is cwnd: new data may be sent while flight < window (§6.1 B).
	window() int
	// threshold is ssthresh.
	threshold() int
	// onAck reports a SACK that newly acknowledged bytesAcked bytes (by
	// its Cumulative TSN Ack or its Gap Ack Blocks) and reported dupBytes
	// bytes of chunks as Duplicate TSNs; flightBefore/flightAfter are the
	// flight sizes around it.
	onAck(bytesAcked, dupBytes, flightBefore, flightAfter int, inFastRecovery bool)
	// onFastRetransmit reports loss detected by miss indications, on
	// entering Fast Recovery (§7.2.3, §7.2.4).
	onFastRetransmit()
	// onRetransmitTimeout reports a T3-rtx expiry (§7.2.3, §6.3.3 E1);
	// progress: SACKs acknowledged new data within the last RTO.
	onRetransmitTimeout(progress bool)
	// setPMDCS sets the Path Maximum DATA Chunk Size, the unit of §7.2's
	// rules (the floor of 4·PMDCS, growth by one PMDCS), before each
	// event: PLPMTUD (RFC 8899) may have changed the path MTU since.
	setPMDCS(pmdcs int)
	// undo restores cwnd and ssthresh from before a reduction that proved
	// spurious (RFC 4015 §2).
	undo(cwnd, ssthresh int)
	// onIdle reports that the sender has been idle (nothing sent, nothing in
	// flight) for the given number of RTOs (§7.2.1).
	onIdle(rtos int)
}

// renoController is the RFC 9260 §7.2 controller: slow start, congestion
// avoidance with partial_bytes_acked, fast recovery and T3 reaction.
type renoController struct {
	pmdcs    int // RFC 9260 §3: the largest DATA chunk a packet of the path MTU holds
	cwnd     int
	ssthresh int
	pba      int // partial_bytes_acked (§7.2.2)
}

func newRenoController(pmdcs, peerRwnd int, ipv6 bool) *renoController {
	c := &renoController{pmdcs: pmdcs}
	// §7.2.1 (a MUST): initial cwnd = min(4·PMDCS, max(2·PMDCS, 4404))
	// for an IPv4 peer address, 4344 in place of 4404 for IPv6 (RFC
	// 4960 had 4380 for both: 36 bytes too many for IPv6).
	c.cwnd = min(4*pmdcs, max(2*pmdcs, initialWindow(ipv6)))
	// §7.2.1: initial ssthresh MAY be arbitrarily high, e.g. the peer's
	// advertised receiver window.
	c.ssthresh = peerRwnd
	if c.ssthresh < c.cwnd {
		c.ssthresh = c.cwnd
	}
	return c
}

// initialWindow is RFC 9260 §7.2.1's byte count of the initial cwnd:
// 4404 for an IPv4 peer address, 4344 for IPv6.
func initialWindow(ipv6 bool) int {
	if ipv6 {
		return 4344
	}
	return 4404
}

func (c *renoController) window() int    { return c.cwnd }
func (c *renoController) setPMDCS(n int) { c.pmdcs = n }
func (c *renoController) threshold() int { return c.ssthresh }

func (c *renoController) onAck(bytesAcked, dupBytes, flightBefore, flightAfter int, inFastRecovery bool) {
	// RFC 9260 §7.2.1 and §7.2.2 grow cwnd on every SACK that newly
	// acknowledges data, by its Cumulative TSN Ack or by Gap Ack Blocks
	// (§7.2.2 counts both in partial_bytes_acked). RFC 4960 grew it only
	// on a SACK that advanced the Cumulative TSN Ack Point; RFC 9260
	// dropped that condition, and with it the bytes that Gap Ack Blocks
	// acknowledge behind a hole count too (a reordered or lost chunk no
	// longer stalls growth until the hole fills; issue 11,
	// TestGrowthOnGapAcks).
	if c.cwnd <= c.ssthresh {
		// §7.2.1 slow start: only when cwnd was fully used and we are
		// not in Fast Recovery (a MUST); grow by at most min(bytes
		// acked, L·PMDCS), L = 1. Duplicates do not count here.
		if bytesAcked > 0 && !inFastRecovery && flightBefore >= c.cwnd {
			c.cwnd += min(bytesAcked, c.pmdcs)
		}
	} else if bytesAcked+dupBytes > 0 {
		// §7.2.2 congestion avoidance: partial_bytes_acked counts the
		// bytes newly acked and those of the chunks the SACK reports as
		// Duplicate TSNs; when it reaches cwnd with cwnd fully used, cwnd
		// grows by one PMDCS. §7.2.2, unlike §7.2.1, has no Fast Recovery
		// condition: cwnd exceeds ssthresh in Fast Recovery only after an
		// undo, whose window grows as it would have without the spurious
		// reduction (TestAvoidanceAfterUndoAndDuplicates).
		c.pba += bytesAcked + dupBytes
		if c.pba >= c.cwnd && flightBefore >= c.cwnd {
			c.pba -= c.cwnd
			c.cwnd += c.pmdcs
		} else if c.pba > c.cwnd {
			// §7.2.2: without cwnd outstanding, partial_bytes_acked
			// is capped at cwnd.
			c.pba = c.cwnd
		}
	}
	// §7.2.2: when all data sent has been acknowledged, pba is reset.
	if flightAfter == 0 {
		c.pba = 0
	}
}

func (c *renoController) onFastRetransmit() {
	// §7.2.3: ssthresh = max(cwnd/2, 4·PMDCS); cwnd = ssthresh.
	c.ssthresh = max(c.cwnd/2, 4*c.pmdcs)
	c.cwnd = c.ssthresh
	c.pba = 0
}

func (c *renoController) onRetransmitTimeout(progress bool) {
	// §7.2.3: ssthresh = max(cwnd/2, 4·PMDCS); cwnd = 1·PMDCS.
	c.ssthresh = max(c.cwnd/2, 4*c.pmdcs)
	c.cwnd = c.pmdcs
	if progress {
		// Beyond §7.2.3 (a SHOULD): SACKs acknowledged new data within
		// the last RTO, so the path still delivers and the timer most
		// likely caught a lost retransmission, not congestion collapse.
		// Restarting from one MTU then costs a slow start of several
		// round trips for nothing (issue 11: cwnd at 1 MTU behind every
		// T3-rtx). The response is that of a detected loss, ssthresh as
		// above and cwnd = ssthresh (§7.2.3 fast retransmit), as TCP does
		// when a timeout proves spurious (RFC 5682 F-RTO, RFC 4015 §2).
		// bench/README.md (lossy section) shows the effect.
		c.cwnd = c.ssthresh
	}
	c.pba = 0
}

func (c *renoController) undo(cwnd, ssthresh int) {
	// RFC 4015 §2 (response to a spurious retransmission): back to the
	// window before the reduction, never below the current one.
	c.cwnd = max(c.cwnd, cwnd)
	c.ssthresh = max(c.ssthresh, ssthresh)
	c.pba = 0
}

func (c *renoController) onIdle(rtos int) {
	// §7.2.1: an idle sender halves cwnd per RTO, down to 4·PMDCS.
	for ; rtos > 0 && c.cwnd > 4*c.pmdcs; rtos-- {
		c.cwnd = max(c.cwnd/2, 4*c.pmdcs)
	}
}
