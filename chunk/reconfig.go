package chunk

import "encoding/binary"

// Re-configuration Response results (RFC 6525 §4.4).
const (
	ReconfigSuccessNothingToDo uint32 = 0
	ReconfigSuccessPerformed   uint32 = 1
	ReconfigDenied             uint32 = 2
	ReconfigErrorWrongSSN      uint32 = 3
	ReconfigErrorInProgress    uint32 = 4
	ReconfigErrorBadSequence   uint32 = 5
	ReconfigInProgress         uint32 = 6
)

// Reconfig is a RE-CONFIG chunk (RFC 6525 §3.1): one or two
// re-configuration parameters (iterate with NewParamIter and decode with
// the typed *ResetReqParam / ReconfigRespParam / Add*StreamsReqParam).
type Reconfig struct{ Params []byte }

// ChunkType returns TypeReconfig.
func (*Reconfig) ChunkType() Type { return TypeReconfig }

// AppendTo appends the RE-CONFIG chunk.
func (c *Reconfig) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeReconfig, 0)
	b = append(b, c.Params...)
	return finishLen(b, s, HeaderLen+tlvListLen(c.Params))
}

// Decode fills c from r: one or two well-framed parameters (RFC 6525 §3.1);
// known RE-CONFIG parameters must have their defined size; parameters of
// other chunks are forbidden; unknown types are left to the action bits.
func (c *Reconfig) Decode(r Raw) error {
	if r.Type != TypeReconfig {
		return wrongType(r, TypeReconfig)
	}
	it := newParamIterIn(r.Value, TypeReconfig, HeaderLen)
	n := 0
	for it.Next() {
		n++
		off := HeaderLen + it.Offset() - 4
		if n > 2 {
			return chunkErr(TypeReconfig, off, ErrBadLength, "more than two parameters")
		}
		p := it.Param()
		if err := checkReconfigParam(p); err != nil {
			return shiftChunk(err, TypeReconfig, off)
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if n == 0 {
		return chunkErr(TypeReconfig, HeaderLen, ErrMissingParam, "no re-configuration parameter")
	}
	c.Params = trimTLV(r.Value)
	return nil
}

// shiftChunk moves a ParseError found in an element at off of chunk t
// into the chunk's frame.
func shiftChunk(err error, t Type, off int) error {
	if pe, ok := err.(*ParseError); ok {
		c := *pe
		c.Offset += off
		c.Chunk, c.InChunk = t, true
		return &c
	}
	return err
}

func checkReconfigParam(p Param) error {
	var err error
	switch p.Type {
	case ParamOutSSNResetReq:
		var x OutSSNResetReqParam
		err = x.check(p)
	case ParamInSSNResetReq:
		var x InSSNResetReqParam
		err = x.check(p)
	case ParamSSNTSNResetReq:
		var x SSNTSNResetReqParam
		err = x.Decode(p)
	case ParamReconfigResp:
		var x ReconfigRespParam
		err = x.Decode(p)
	case ParamAddOutStreamsReq:
		var x AddOutStreamsReqParam
		err = x.Decode(p)
	case ParamAddInStreamsReq:
		var x AddInStreamsReqParam
		err = x.Decode(p)
	default:
		if _, known := paramNames[p.Type]; known {
			return plainErr(0, ErrForbiddenParam, "not a re-configuration parameter")
		}
	}
	return err
}

func decodeStreamList(dst []uint16, v []byte) []uint16 {
	dst = dst[:0]
	for i := 0; i+1 < len(v); i += 2 {
		dst = append(dst, binary.BigEndian.Uint16(v[i:]))
	}
	return dst
}

func appendStreamList(b []byte, s []uint16) []byte {
	for _, x := range s {
		b = appendU16(b, x)
	}
	return b
}

// OutSSNResetReqParam is the Outgoing SSN Reset Request parameter (RFC 6525
// §4.1). An empty Streams resets all streams.
type OutSSNResetReqParam struct {
	ReqSeq, RespSeq, LastTSN uint32
	Streams                  []uint16
}

// ParamType returns ParamOutSSNResetReq.
func (*OutSSNResetReqParam) ParamType() ParamType { return ParamOutSSNResetReq }

// AppendTo appends the parameter.
func (c *OutSSNResetReqParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamOutSSNResetReq))
	b = appendU32(b, c.ReqSeq)
	b = appendU32(b, c.RespSeq)
	b = appendU32(b, c.LastTSN)
	b = appendStreamList(b, c.Streams)
	return finishTLV(b, s)
}

func (*OutSSNResetReqParam) check(p Param) error {
	v, err := paramMin(p, ParamOutSSNResetReq, 12)
	if err == nil && (len(v)-12)%2 != 0 {
		err = plainErr(4+len(v)-1, ErrBadLength, "odd stream list")
	}
	return err
}

// Decode fills c from p, reusing c.Streams.
func (c *OutSSNResetReqParam) Decode(p Param) error {
	if err := c.check(p); err != nil {
		return err
	}
	v := p.Value
	c.ReqSeq = binary.BigEndian.Uint32(v)
	c.RespSeq = binary.BigEndian.Uint32(v[4:])
	c.LastTSN = binary.BigEndian.Uint32(v[8:])
	c.Streams = decodeStreamList(c.Streams, v[12:])
	return nil
}

// InSSNResetReqParam is the Incoming SSN Reset Request parameter (RFC 6525
// §4.2).
type InSSNResetReqParam struct {
	ReqSeq  uint32
	Streams []uint16
}

// ParamType returns ParamInSSNResetReq.
func (*InSSNResetReqParam) ParamType() ParamType { return ParamInSSNResetReq }

// AppendTo appends the parameter.
func (c *InSSNResetReqParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamInSSNResetReq))
	b = appendU32(b, c.ReqSeq)
	b = appendStreamList(b, c.Streams)
	return finishTLV(b, s)
}

func (*InSSNResetReqParam) check(p Param) error {
	v, err := paramMin(p, ParamInSSNResetReq, 4)
	if err == nil && (len(v)-4)%2 != 0 {
		err = plainErr(4+len(v)-1, ErrBadLength, "odd stream list")
	}
	return err
}

// Decode fills c from p, reusing c.Streams.
func (c *InSSNResetReqParam) Decode(p Param) error {
	if err := c.check(p); err != nil {
		return err
	}
	c.ReqSeq = binary.BigEndian.Uint32(p.Value)
	c.Streams = decodeStreamList(c.Streams, p.Value[4:])
	return nil
}

// SSNTSNResetReqParam is the SSN/TSN Reset Request parameter (RFC 6525
// §4.3).
type SSNTSNResetReqParam struct{ ReqSeq uint32 }

// ParamType returns ParamSSNTSNResetReq.
func (*SSNTSNResetReqParam) ParamType() ParamType { return ParamSSNTSNResetReq }

// AppendTo appends the parameter.
func (c *SSNTSNResetReqParam) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamSSNTSNResetReq, c.ReqSeq)
}

// Decode fills c from p (value exactly 4 bytes).
func (c *SSNTSNResetReqParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamSSNTSNResetReq, 4)
	if err == nil {
		c.ReqSeq = binary.BigEndian.Uint32(v)
	}
	return err
}

// ReconfigRespParam is the Re-configuration Response parameter (RFC 6525
// §4.4). HasTSNs says whether the two optional TSN fields are present.
type ReconfigRespParam struct {
	RespSeq, Result                uint32
	HasTSNs                        bool
	SenderNextTSN, ReceiverNextTSN uint32
}

// ParamType returns ParamReconfigResp.
func (*ReconfigRespParam) ParamType() ParamType { return ParamReconfigResp }

// AppendTo appends the parameter.
func (c *ReconfigRespParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamReconfigResp))
	b = appendU32(b, c.RespSeq)
	b = appendU32(b, c.Result)
	if c.HasTSNs {
		b = appendU32(b, c.SenderNextTSN)
		b = appendU32(b, c.ReceiverNextTSN)
	}
	return finishTLV(b, s)
}

// Decode fills c from p (value 8 or 16 bytes).
func (c *ReconfigRespParam) Decode(p Param) error {
	n := 8
	if len(p.Value) > 8 {
		n = 16
	}
	v, err := paramFixed(p, ParamReconfigResp, n)
	if err != nil {
		return err
	}
	*c = ReconfigRespParam{RespSeq: binary.BigEndian.Uint32(v), Result: binary.BigEndian.Uint32(v[4:])}
	if n == 16 {
		c.HasTSNs = true
		c.SenderNextTSN = binary.BigEndian.Uint32(v[8:])
		c.ReceiverNextTSN = binary.BigEndian.Uint32(v[12:])
	}
	return nil
}

func appendAddStreams(b []byte, t ParamType, seq uint32, n uint16) []byte {
	b, s := appendTLVHeader(b, uint16(t))
	b = appendU32(b, seq)
	b = appendU16(b, n)
	b = appendU16(b, 0) // reserved
	return finishTLV(b, s)
}

// AddOutStreamsReqParam is the Add Outgoing Streams Request parameter (RFC
// 6525 §4.5).
type AddOutStreamsReqParam struct {
	ReqSeq     uint32
	NewStreams uint16
}

// ParamType returns ParamAddOutStreamsReq.
func (*AddOutStreamsReqParam) ParamType() ParamType { return ParamAddOutStreamsReq }

// AppendTo appends the parameter.
func (c *AddOutStreamsReqParam) AppendTo(b []byte) []byte {
	return appendAddStreams(b, ParamAddOutStreamsReq, c.ReqSeq, c.NewStreams)
}

// Decode fills c from p (value exactly 8 bytes).
func (c *AddOutStreamsReqParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamAddOutStreamsReq, 8)
	if err == nil {
		c.ReqSeq, c.NewStreams = binary.BigEndian.Uint32(v), binary.BigEndian.Uint16(v[4:])
	}
	return err
}

// AddInStreamsReqParam is the Add Incoming Streams Request parameter (RFC
// 6525 §4.6).
type AddInStreamsReqParam struct {
	ReqSeq     uint32
	NewStreams uint16
}

// ParamType returns ParamAddInStreamsReq.
func (*AddInStreamsReqParam) ParamType() ParamType { return ParamAddInStreamsReq }

// AppendTo appends the parameter.
func (c *AddInStreamsReqParam) AppendTo(b []byte) []byte {
	return appendAddStreams(b, ParamAddInStreamsReq, c.ReqSeq, c.NewStreams)
}

// Decode fills c from p (value exactly 8 bytes).
func (c *AddInStreamsReqParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamAddInStreamsReq, 8)
	if err == nil {
		c.ReqSeq, c.NewStreams = binary.BigEndian.Uint32(v), binary.BigEndian.Uint16(v[4:])
	}
	return err
}
