package chunk

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by a decoder or iterator of this
// package is a *ParseError wrapping exactly one of these, so callers test
// with errors.Is and read the position with errors.As.
var (
	// ErrTooShort: the input, or a length field, is below the minimum for
	// its type (a partial header, a chunk/parameter/cause length smaller
	// than its fixed part).
	ErrTooShort = errors.New("chunk: too short")
	// ErrBadLength: a length field lies (claims more bytes than exist) or
	// does not fit the structure of the value (a fixed-size chunk with extra
	// bytes, a gap-block count that disagrees with the chunk length, a list
	// that is not a whole number of elements).
	ErrBadLength = errors.New("chunk: bad length")
	// ErrBadPadding: the zero padding that must follow a chunk (or a
	// parameter or cause that is not the last one of its chunk) runs past
	// the end of the input (RFC 9260 §3.2).
	ErrBadPadding = errors.New("chunk: padding overruns the input")
	// ErrWrongType: Decode was called with a Raw chunk (or a Param or Cause)
	// of another type.
	ErrWrongType = errors.New("chunk: wrong chunk, parameter or cause type")
	// ErrForbiddenParam: a parameter appears in a chunk that does not allow
	// it (for example a State Cookie in an INIT, anything but Heartbeat Info
	// in a HEARTBEAT).
	ErrForbiddenParam = errors.New("chunk: parameter not allowed in this chunk")
	// ErrMissingParam: a mandatory parameter is absent (State Cookie in an
	// INIT ACK, RFC 9260 §3.3.3; Heartbeat Info in a HEARTBEAT, §3.3.5).
	ErrMissingParam = errors.New("chunk: mandatory parameter missing")
	// ErrDuplicateParam: a parameter that may appear once appears twice.
	ErrDuplicateParam = errors.New("chunk: duplicate parameter")
	// ErrInvalidField: a field holds a value the RFC forbids, such as an
	// Initiate Tag, OS or MIS of 0 in an INIT or INIT ACK (RFC 9260 §3.3.2:
	// the receiver answers with ABORT, cause 7), or a gap block whose start
	// is 0 or after its end.
	ErrInvalidField = errors.New("chunk: invalid field value")
	// ErrHostNameAddr: an INIT or INIT ACK carries a Host Name Address
	// parameter, which RFC 9260 §3.3.2.1.3 / §5.1.2 requires the receiver
	// to refuse with an ABORT (optionally with cause 5, Unresolvable
	// Address). The fixed fields and Params of the chunk are filled in.
	ErrHostNameAddr = errors.New("chunk: host name address parameter refused")
)

// ParseError tells where malformed input was found. Err is one of the
// sentinels above.
type ParseError struct {
	// Chunk is the chunk type being parsed; meaningful only when InChunk.
	Chunk Type
	// InChunk is false for errors found while walking a packet before a
	// chunk type is known and for parameters or causes walked directly
	// with NewParamIter / NewCauseIter.
	InChunk bool
	// Offset is the byte offset of the problem: for Iter, from the start of
	// the bytes given to NewIter; for Decode of a chunk, from the start of
	// the chunk (its 4-byte header counts); for ParamIter/CauseIter and
	// parameter or cause decoders used directly, from the start of the
	// bytes walked (or of the parameter or cause).
	Offset int
	// Detail is a short constant description of the field at fault.
	Detail string
	// Err is the sentinel.
	Err error
}

// Error formats the error.
func (e *ParseError) Error() string {
	s := "chunk: "
	if e.InChunk {
		s += e.Chunk.String() + " "
	}
	s += "at offset " + strconv.Itoa(e.Offset)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

func chunkErr(t Type, off int, err error, detail string) error {
	return &ParseError{Chunk: t, InChunk: true, Offset: off, Detail: detail, Err: err}
}

func plainErr(off int, err error, detail string) error {
	return &ParseError{Offset: off, Detail: detail, Err: err}
}

// ctx describes where a parameter or cause list sits, so errors found in it
// carry the right chunk type and offsets.
type ctx struct {
	t       Type
	inChunk bool
	base    int // offset of the list's first byte in the reported frame
}

func (c ctx) err(off int, err error, detail string) error {
	return &ParseError{Chunk: c.t, InChunk: c.inChunk, Offset: c.base + off, Detail: detail, Err: err}
}
