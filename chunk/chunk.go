// Package chunk is the SCTP wire format: every chunk, parameter and error
// cause of RFC 9260 and the extensions usctp implements (RFC 3758, 4820,
// 4895, 5061, 6525, 6951, 8260, 9653).
//
// Decoding is zero-copy and allocation-free: a Raw chunk and every typed
// value decoded from it refer into the caller's buffer. Encoding appends
// into a caller's buffer (AppendTo). Nothing in this package panics on any
// input; malformed input yields an error that errors.Is one of the Err*
// sentinels and errors.As a *ParseError. An encoder asked for a chunk,
// parameter or cause longer than its 16-bit length can express panics (a
// caller's bug): callers bound what a peer controls (the sctp package's
// INIT ACK and ERROR reports, echoes and ABORT reasons, tested at the
// largest UDP datagram).
//
// This file holds the package's central types (chunk and parameter types,
// Raw, Iter, the typed chunks); their methods live in the other files.
package chunk

// Type is an SCTP chunk type (RFC 9260 §3.2).
type Type uint8

// Chunk types (RFC 9260 §3.2 and extensions).
const (
	TypeData             Type = 0
	TypeInit             Type = 1
	TypeInitAck          Type = 2
	TypeSack             Type = 3
	TypeHeartbeat        Type = 4
	TypeHeartbeatAck     Type = 5
	TypeAbort            Type = 6
	TypeShutdown         Type = 7
	TypeShutdownAck      Type = 8
	TypeError            Type = 9
	TypeCookieEcho       Type = 10
	TypeCookieAck        Type = 11
	TypeECNE             Type = 12
	TypeCWR              Type = 13
	TypeShutdownComplete Type = 14
	TypeAuth             Type = 15   // RFC 4895
	TypeIData            Type = 64   // RFC 8260
	TypeAsconfAck        Type = 0x80 // RFC 5061
	TypeReconfig         Type = 130  // RFC 6525
	TypePad              Type = 0x84 // RFC 4820
	TypeForwardTSN       Type = 192  // RFC 3758
	TypeAsconf           Type = 0xC1 // RFC 5061
	TypeIForwardTSN      Type = 0xC2 // RFC 8260
)

// HeaderLen is the length of a chunk header: type, flags, length.
const HeaderLen = 4

// Raw is one chunk as it sits in a packet: its type, flags and value (the
// bytes after the 4-byte chunk header, without trailing padding). Value
// refers into the packet buffer.
type Raw struct {
	Type  Type
	Flags uint8
	Value []byte
}

// Iter walks the chunks of a packet (the bytes after the common header)
// without allocating:
//
//	it := chunk.NewIter(b)
//	for it.Next() { c := it.Chunk(); ... }
//	if err := it.Err(); err != nil { ... }
//
// Next returns false at the end or at the first malformed chunk; Err then
// tells which (nil at a clean end). Chunks already returned stay valid.
type Iter struct {
	b   []byte
	off int
	cur Raw
	err error
}

// Chunk is implemented by every typed chunk (*Data, *Init, *Sack, ...,
// and *Unknown for types this package does not know).
//
//	ChunkType reports the chunk type.
//	AppendTo appends the whole chunk (header, value, padding to 4 bytes).
//	Decode fills the receiver from r; slices refer into r.Value; any slice
//	field the receiver already holds is reused (appended to from [:0]) so
//	decoding into a reused value allocates nothing.
type Chunk interface {
	ChunkType() Type
	AppendTo(b []byte) []byte
	Decode(r Raw) error
}

// Data is a DATA chunk (RFC 9260 §3.3.1).
type Data struct {
	Immediate bool // I bit (RFC 7053)
	Unordered bool // U bit
	Beginning bool // B bit
	Ending    bool // E bit
	TSN       uint32
	Stream    uint16
	SSN       uint16
	PPID      uint32 // host byte order
	UserData  []byte
}

// IData is an I-DATA chunk (RFC 8260 §2.1). PPID is meaningful only when
// Beginning is set; FSN otherwise.
type IData struct {
	Immediate, Unordered, Beginning, Ending bool
	TSN                                     uint32
	Stream                                  uint16
	MID                                     uint32
	PPIDOrFSN                               uint32
	UserData                                []byte
}

// GapBlock is one Gap Ack Block of a SACK: offsets from the cumulative TSN
// ack (RFC 9260 §3.3.4).
type GapBlock struct{ Start, End uint16 }

// Sack is a SACK chunk (RFC 9260 §3.3.4).
type Sack struct {
	CumTSNAck uint32
	ARwnd     uint32
	Gaps      []GapBlock
	DupTSNs   []uint32
}

// Init is an INIT chunk (RFC 9260 §3.3.2); InitAck has the same layout.
// Params holds the raw optional/variable parameters in order (iterate with
// NewParamIter(Params)); it refers into the packet.
type Init struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16 // MIS
	InitialTSN  uint32
	Params      []byte
}

// InitAck is an INIT ACK chunk (RFC 9260 §3.3.3). It must carry a State
// Cookie parameter; Decode checks that.
type InitAck Init

// Heartbeat is a HEARTBEAT chunk; Info is the Heartbeat Info parameter's
// value (opaque sender-specific data) (RFC 9260 §3.3.5).
type Heartbeat struct{ Info []byte }

// HeartbeatAck is a HEARTBEAT ACK chunk (RFC 9260 §3.3.6).
type HeartbeatAck struct{ Info []byte }

// Abort is an ABORT chunk (RFC 9260 §3.3.7). Causes holds the raw error
// causes (iterate with NewCauseIter). T is the T bit.
type Abort struct {
	T      bool
	Causes []byte
}

// Shutdown is a SHUTDOWN chunk (RFC 9260 §3.3.8).
type Shutdown struct{ CumTSNAck uint32 }

// ShutdownAck is a SHUTDOWN ACK chunk (RFC 9260 §3.3.9).
type ShutdownAck struct{}

// Error is an ERROR chunk (RFC 9260 §3.3.10); Causes as in Abort.
type Error struct{ Causes []byte }

// CookieEcho is a COOKIE ECHO chunk (RFC 9260 §3.3.11).
type CookieEcho struct{ Cookie []byte }

// CookieAck is a COOKIE ACK chunk (RFC 9260 §3.3.12).
type CookieAck struct{}

// ShutdownComplete is a SHUTDOWN COMPLETE chunk (RFC 9260 §3.3.13).
type ShutdownComplete struct{ T bool }

// ForwardTSNStream is one stream/SSN pair of a FORWARD TSN.
type ForwardTSNStream struct{ Stream, SSN uint16 }

// ForwardTSN is a FORWARD TSN chunk (RFC 3758 §3.2).
type ForwardTSN struct {
	NewCumTSN uint32
	Streams   []ForwardTSNStream
}

// Unknown is a chunk of a type this package does not know, kept whole so
// the engine can apply the action bits (RFC 9260 §3.2).
type Unknown struct{ Raw Raw }

// Action is what the two high bits of an unknown chunk or parameter type
// ask of the receiver (RFC 9260 §3.2, §3.2.1).
type Action uint8

const (
	ActionStop       Action = 0 // stop processing, discard, no report
	ActionStopReport Action = 1 // stop processing, discard, report
	ActionSkip       Action = 2 // skip, continue, no report
	ActionSkipReport Action = 3 // skip, continue, report
)

// ParamType is a parameter type (RFC 9260 §3.2.1).
type ParamType uint16

// Param is one raw TLV parameter; Value excludes the header and padding.
type Param struct {
	Type  ParamType
	Value []byte
}

// CauseCode is an error cause code (RFC 9260 §3.3.10).
type CauseCode uint16

// Cause is one raw error cause; Info excludes the header and padding.
type Cause struct {
	Code CauseCode
	Info []byte
}
