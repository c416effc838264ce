package sctp

// TEMPORARY shim for heartbeat.go (branch aux). Deleted when aux's
// heartbeat.go merges; the association only uses the methods below.

import (
	"encoding/binary"
	"time"
)

type heartbeatState struct {
	interval    time.Duration
	maxRetrans  int
	next        time.Time
	sentAt      time.Time
	nonce       uint64
	outstanding bool
	errors      int
}

func newHeartbeatState(interval time.Duration, maxRetrans int, nonce uint64) *heartbeatState {
	return &heartbeatState{interval: interval, maxRetrans: maxRetrans, nonce: nonce}
}

func (h *heartbeatState) start(now time.Time, rto time.Duration) { h.next = now.Add(h.interval + rto) }
func (h *heartbeatState) stop()                                  { h.next = time.Time{} }
func (h *heartbeatState) deadline() time.Time                    { return h.next }

// timeout is called at the deadline: reports whether the path failed
// (too many unanswered heartbeats) and appends the info for a new HEARTBEAT.
func (h *heartbeatState) timeout(now time.Time, rto time.Duration, info []byte) (failedNow bool, out []byte) {
	if h.outstanding {
		h.errors++
		if h.errors == h.maxRetrans+1 {
			failedNow = true
		}
	}
	h.nonce++
	h.sentAt = now
	h.outstanding = true
	info = binary.BigEndian.AppendUint64(info, h.nonce)
	info = binary.BigEndian.AppendUint64(info, uint64(now.UnixNano()))
	h.next = now.Add(h.interval + rto)
	return failedNow, info
}

// ack verifies a HEARTBEAT ACK's info and returns the RTT sample;
// recovered reports a path that was failed and is reachable again.
func (h *heartbeatState) ack(now time.Time, info []byte) (rtt time.Duration, recovered, ok bool) {
	if len(info) != 16 || binary.BigEndian.Uint64(info) != h.nonce || !h.outstanding {
		return 0, false, false
	}
	h.outstanding = false
	recovered = h.errors > h.maxRetrans
	h.errors = 0
	return now.Sub(h.sentAt), recovered, true
}
