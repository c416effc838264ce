package sctp

import "time"

// AssocStats is a snapshot of one association's counters and transport
// state. Counters are cumulative since the association was created.
type AssocStats struct {
	State AssocState // SCTP_COOKIE_WAIT ... SCTP_CLOSED (RFC 9260 §4)

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
	// Loss recovery detail (issue 11): FastRecoveries counts cwnd
	// reductions on detected loss (RFC 9260 §7.2.4 step 2, one per
	// recovery); RecoveriesUndone those reverted because every
	// retransmission proved spurious (RFC 4015 §2); SpuriousRetransmits the
	// retransmitted chunks the peer reported as Duplicate TSNs or acked
	// before the retransmission could arrive (RFC 3708); TLPProbes the tail
	// loss probes sent (RFC 8985 §7.3).
	FastRecoveries      uint64
	RecoveriesUndone    uint64
	SpuriousRetransmits uint64
	TLPProbes           uint64
	PMTUDecreases       uint64 // packet size lowered by ICMP Packet Too Big (RFC 9260 Appendix C ICMP7) or PLPMTUD
	PMTUProbes          uint64 // RFC 8899 PLPMTUD probes sent (HEARTBEAT + PAD)
	PMTUProbesAcked     uint64 // probes acknowledged
	PMTUBlackHoles      uint64 // black holes detected: PLPMTU back to BASE_PLPMTU (RFC 8899 §4.3)
	ReconfigsIn         uint64 // RE-CONFIG chunks received (RFC 6525)
	ReconfigsOut        uint64 // RE-CONFIG requests sent (first transmissions)
	ReconfigRetransmits uint64 // RE-CONFIG requests resent on RE-CONFIG timer expiry

	// Dropped packets by reason.
	DroppedBadVtag      uint64 // verification tag mismatch (RFC 9260 §8.5)
	DroppedBadChunk     uint64 // malformed chunk
	DroppedUnknownChunk uint64 // stopped at an unknown chunk type (§3.2)
	DroppedWrongState   uint64 // chunk not acceptable in the current state
	// DroppedUnauthenticated counts chunks discarded by RFC 4895 §6.3:
	// a chunk type we require authenticated without a valid AUTH before
	// it (the AUTH's bad HMAC, unknown key or HMAC identifier included).
	DroppedUnauthenticated uint64

	SRTT, RTO time.Duration
	// Cwnd, Ssthresh and FlightSize count bytes of DATA chunks, their
	// headers and padding included (RFC 9260 §7.2); PeerRwnd is the
	// peer's a_rwnd less that flight (§6.2.1).
	Cwnd          uint32
	Ssthresh      uint32
	PeerRwnd      uint32
	FlightSize    uint32
	OutStreams    uint16
	InStreams     uint16
	PeerAddresses int
	// IData reports that I-DATA was negotiated (RFC 8260 §2.2): user
	// messages travel in I-DATA chunks and may interleave.
	IData bool

	// EventsDropped counts events (RemoteError, PeerAddrChange, ...)
	// discarded because the association's queue of unread messages and
	// events was full; state changes are never dropped.
	EventsDropped uint64
}

// endpointStats are the counters of the sans-IO endpoint. Each datagram
// the endpoint drops before it reaches an association is counted once, by
// the reason it drops it for, where it decides (handleDatagram,
// endpoint_ootb.go). An INIT to a listener that is answered with an ABORT
// (invalid parameters, a host name address: RFC 9260 §5.1) is not counted
// here.
type endpointStats struct {
	DatagramsIn        uint64
	DroppedShort       uint64 // shorter than the common header
	DroppedBadChecksum uint64 // CRC32c mismatch (RFC 9260 §6.8)
	DroppedMalformed   uint64 // other header, bundling or chunk errors
	DroppedUnknownPort uint64 // out of the blue to an SCTP port with no listener or association
	DroppedOOTB        uint64 // other out-of-the-blue packets, discarded or answered (§8.4)
	OOTBReplies        uint64 // ABORT / SHUTDOWN COMPLETE sent for OOTB packets
	InitAcksSent       uint64 // stateless INIT ACKs
	CookiesRejected    uint64 // bad, forged or mismatching cookies
	StaleCookies       uint64
	RepliesDropped     uint64 // reply queue full
	EventsDropped      uint64 // RemoteError events over the queue bound (maxQueuedEvents)
	AssociationsTotal  uint64
	ICMPIn             uint64 // ICMP errors the runtime reported (RFC 9260 Appendix C)
	ICMPIgnored        uint64 // of those, not tied to an association or not acted on
	// UnrecognizedNotReported counts unrecognized INIT parameters left out
	// of the INIT ACK because it would exceed the packet size (RFC 9260
	// §3.2.1 reporting, bounded; endpoint_cookie.go).
	UnrecognizedNotReported uint64
	// CookieEchoDeferred counts valid COOKIE ECHOs discarded, before any
	// state exists, because the listener's accept queue was full: the
	// peer's T1-cookie timer retransmits it (listener.go).
	CookieEchoDeferred uint64
}

// assocStateOf maps the engine's RFC 9260 §4 state to the API's
// AssocState (AssocStats.State, Status.State).
func assocStateOf(st protoState) AssocState {
	switch st {
	case stateCookieWait:
		return SCTP_COOKIE_WAIT
	case stateCookieEchoed:
		return SCTP_COOKIE_ECHOED
	case stateEstablished:
		return SCTP_ESTABLISHED
	case stateShutdownPending:
		return SCTP_SHUTDOWN_PENDING
	case stateShutdownSent:
		return SCTP_SHUTDOWN_SENT
	case stateShutdownReceived:
		return SCTP_SHUTDOWN_RECEIVED
	case stateShutdownAckSent:
		return SCTP_SHUTDOWN_ACK_SENT
	}
	return SCTP_CLOSED
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
	s.FastRecoveries = d.fastRecoveries
	s.RecoveriesUndone = d.recoveriesUndone
	s.SpuriousRetransmits = d.spuriousRetransmits
	s.TLPProbes = d.tlpProbes
	s.DataChunksOut = d.dataChunksSent
}
