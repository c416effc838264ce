package sctp

import "time"

// AssocStats is a snapshot of one association's counters and transport
// state. Counters are cumulative since the association was created.
type AssocStats struct {
	State State

	PacketsIn, PacketsOut uint64
	ChunksIn, ChunksOut   uint64
	DataChunksIn          uint64
	DataChunksOut         uint64 // first transmissions
	SacksIn, SacksOut     uint64
	HeartbeatsOut         uint64
	T1Retransmits         uint64 // INIT / COOKIE ECHO retransmissions
	T2Retransmits         uint64 // SHUTDOWN / SHUTDOWN ACK retransmissions
	T3Retransmits         uint64 // DATA retransmitted on T3-rtx expiry
	FastRetransmits       uint64 // DATA fast-retransmitted (RFC 9260 §7.2.4)

	// Dropped packets by reason.
	DroppedBadVtag      uint64 // verification tag mismatch (RFC 9260 §8.5)
	DroppedBadChunk     uint64 // malformed chunk
	DroppedUnknownChunk uint64 // stopped at an unknown chunk type (§3.2)
	DroppedWrongState   uint64 // chunk not acceptable in the current state

	SRTT, RTO     time.Duration
	Cwnd          uint32
	Ssthresh      uint32
	PeerRwnd      uint32
	FlightSize    uint32
	OutStreams    uint16
	InStreams     uint16
	PeerAddresses int

	// EventsDropped counts events (RemoteError, PeerAddrChange, ...) the
	// endpoint discarded because the association's unread queue was over
	// EndpointConfig.RecvQueueBytes.
	EventsDropped uint64
}

// EndpointStats are the counters of an endpoint core: packets that did not
// reach an association.
type EndpointStats struct {
	DatagramsIn       uint64
	DroppedMalformed  uint64 // bad length, checksum or bundling
	DroppedOOTB       uint64 // out of the blue, discarded or answered
	OOTBReplies       uint64 // ABORT / SHUTDOWN COMPLETE sent for OOTB packets
	InitAcksSent      uint64 // stateless INIT ACKs
	CookiesRejected   uint64 // bad, forged or mismatching cookies
	StaleCookies      uint64
	RepliesDropped    uint64 // reply queue full
	EventsDropped     uint64 // RemoteError events over the queue bound
	AssociationsTotal uint64
}

// fillDataStats copies the data path's view into s.
func fillDataStats(s *AssocStats, d dataStats) {
	s.SRTT = d.srtt
	s.RTO = d.rto
	s.Cwnd = uint32(d.cwnd)
	s.Ssthresh = uint32(d.ssthresh)
	s.PeerRwnd = d.peerRwnd
	s.FlightSize = uint32(d.flight)
	s.T3Retransmits = d.t3Retransmits
	s.FastRetransmits = d.fastRetransmits
	s.DataChunksOut = d.dataChunksSent
}
