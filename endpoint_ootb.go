package sctp

import (
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// handleNoAssoc handles a packet that matches no association: INIT and
// COOKIE ECHO go to the listener logic (RFC 9260 §8.4 rules 3, 4), the
// rest follows the out-of-the-blue rules.
func (e *endpoint) handleNoAssoc(now time.Time, from netip.AddrPort, h commonHeader, chunks []byte) {
	it := chunk.NewIter(chunks)
	if !it.Next() {
		e.counters.DroppedMalformed++
		return
	}
	first := it.Chunk()
	switch first.Type {
	case chunk.TypeInit:
		e.handleInitListen(now, from, h, first)
	case chunk.TypeCookieEcho:
		e.handleCookieEchoListen(now, from, h, first, &it)
	default:
		e.handleOOTB(from, h, chunks)
	}
}

// handleOOTB applies RFC 9260 §8.4 rules 2 and 5–8 to an out-of-the-blue
// packet. Replies go back to the datagram's source address and port with
// the SCTP ports swapped (draft-tuexen-tsvwg-sctp-udp-encaps-cons).
func (e *endpoint) handleOOTB(from netip.AddrPort, h commonHeader, chunks []byte) {
	e.dropOOTB(h.DstPort)
	e.logOOTB(from, h, chunks, "")
	var shutdownAck bool
	it := chunk.NewIter(chunks)
	for it.Next() {
		c := it.Chunk()
		switch c.Type {
		case chunk.TypeAbort, chunk.TypeShutdownComplete, chunk.TypeCookieAck:
			// Rules 2, 6, 7: silently discard.
			return
		case chunk.TypeError:
			// Rule 7: an ERROR with Stale Cookie is discarded.
			ci := chunk.NewCauseIter(c.Value)
			for ci.Next() {
				if ci.Cause().Code == chunk.CauseStaleCookie {
					return
				}
			}
		case chunk.TypeShutdownAck:
			shutdownAck = true
		}
	}
	if it.Err() != nil {
		return
	}
	if shutdownAck {
		// Rule 5.
		e.ootbShutdownComplete(from, h)
		return
	}
	// Rule 8: ABORT with the T bit and the packet's own tag.
	if e.cfg.noOOTBAbort {
		return
	}
	ab := chunk.Abort{T: true}
	e.queueReply(from, h.DstPort, h.SrcPort, h.VerificationTag, ab.AppendTo(e.replyScratch()))
	e.counters.OOTBReplies++
}

// dropOOTB counts an out-of-the-blue packet to our SCTP port port (RFC
// 9260 §8.4), answered or not, by reason: sent to a port with neither a
// listener nor an association (DroppedUnknownPort), or any other
// (DroppedOOTB).
func (e *endpoint) dropOOTB(port uint16) {
	if _, ok := e.listeners[port]; !ok && e.ports[port] == 0 {
		e.counters.DroppedUnknownPort++
		return
	}
	e.counters.DroppedOOTB++
}

// ootbShutdownComplete answers an OOTB SHUTDOWN ACK with SHUTDOWN
// COMPLETE, T bit set, reflecting the received tag (RFC 9260 §8.4 rule 5).
func (e *endpoint) ootbShutdownComplete(from netip.AddrPort, h commonHeader) {
	sc := chunk.ShutdownComplete{T: true}
	e.queueReply(from, h.DstPort, h.SrcPort, h.VerificationTag, sc.AppendTo(e.replyScratch()))
	e.counters.OOTBReplies++
}
