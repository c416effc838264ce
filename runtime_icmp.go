package sctp

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// The runtime's side of ICMP (RFC 9260 Appendix C, RFC 6951 §5.6): the
// UDP socket reports ICMP errors about our datagrams (udpencap's
// WithICMPHandler: Linux IP_RECVERR) from inside a read or write call, on
// whichever goroutine made it. The handler only copies the report into a
// bounded inbox and wakes the loop; the loop hands each report to the
// sans-IO endpoint with now (endpoint.handleICMP), which validates it and
// acts.
//
// Other systems: Go's UDP sockets give no quoted packet there, so nothing
// can be tied to an association and nothing is acted on. Windows reports
// a port unreachable as WSAECONNRESET on the next read of the unconnected
// socket; udpencap counts it (Stats.ICMPErrors) and reads on, so it never
// ends the reader. BSDs and macOS report ICMP errors only on connected
// sockets, which a stack's one socket for all peers is not. There a
// connect to a port where nothing listens ends by Max.Init.Retransmits or
// by the caller's context deadline.

// icmpInboxMax bounds the reports waiting for the loop; a flood of ICMP
// errors beyond it is counted (ICMPIn, ICMPIgnored) and dropped.
const icmpInboxMax = 64

// icmpQuoteKeep is how much of the quoted datagram a report keeps: the
// SCTP common header, the first chunk's header and an INIT's Initiate Tag
// are all Appendix C needs (icmpQuoteInit).
const icmpQuoteKeep = 32

type icmpItem struct {
	ev  icmpEvent
	buf [icmpQuoteKeep]byte
}

// icmpInbox carries ICMP reports from the socket's callers to the loop.
type icmpInbox struct {
	mu      sync.Mutex
	q       []icmpItem
	spare   []icmpItem
	dropped uint64 // reports over icmpInboxMax
	wake    chan struct{}
	log     *leveledLog // the runner's (logging.go); set before the socket is read
	// pending is set by push and cleared by take, so the loop's wake-ups
	// for operations (sends) cost no lock when no ICMP error came.
	pending atomic.Bool
}

func newICMPInbox() *icmpInbox {
	return &icmpInbox{q: make([]icmpItem, 0, icmpInboxMax), spare: make([]icmpItem, 0, icmpInboxMax)}
}

// push is the udpencap ICMP handler: quick, no allocation, no socket call.
func (b *icmpInbox) push(e udpencap.ICMPError) {
	logICMP(b.log, e)
	var it icmpItem
	it.ev = icmpEvent{to: e.To, from: e.From, mtu: e.MTU}
	switch {
	case e.PortUnreachable:
		it.ev.kind = icmpPortUnreachable
	case e.FragNeeded:
		it.ev.kind = icmpPacketTooBig
	}
	n := copy(it.buf[:], e.Payload)
	b.mu.Lock()
	b.pending.Store(true)
	if len(b.q) >= icmpInboxMax {
		b.dropped++
		b.mu.Unlock()
		return
	}
	// The quote points into the item's own buf, in place in the queue's
	// array (never reallocated: its capacity is icmpInboxMax).
	b.q = append(b.q, it)
	last := &b.q[len(b.q)-1]
	last.ev.quoted = last.buf[:n:n]
	b.mu.Unlock()
	signal(b.wake)
}

// take swaps out the waiting reports (valid until the next take) and the
// count of those dropped since the last take.
func (b *icmpInbox) take() ([]icmpItem, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending.Store(false)
	q, d := b.q, b.dropped
	b.q, b.spare, b.dropped = b.spare[:0], q, 0
	return q, d
}

// drainICMP hands the waiting ICMP reports to the endpoint (on the loop).
func (r *runner) drainICMP(now time.Time) {
	if r.icmp == nil || !r.icmp.pending.Load() {
		return
	}
	q, dropped := r.icmp.take()
	r.core.countICMPDropped(dropped)
	for i := range q {
		// quoted points into q[i].buf, which take's swap keeps in place.
		r.core.handleICMP(now, &q[i].ev)
	}
}
