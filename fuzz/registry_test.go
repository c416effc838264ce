package fuzz

import (
	"strings"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// TestRegistryComplete keeps the factories in step with package chunk:
// every chunk type, parameter type and cause code chunk has a name for
// must have a typed value here (so the fuzz targets and the golden tests
// exercise its decoder), and the typed value must report that type.
func TestRegistryComplete(t *testing.T) {
	for i := range 256 {
		ty := chunk.Type(i)
		c := NewChunk(ty)
		_, unknown := c.(*chunk.Unknown)
		named := !strings.HasPrefix(ty.String(), "Type(")
		if named && unknown {
			t.Errorf("chunk type %v has a name in package chunk but no typed value in NewChunk", ty)
		}
		if !unknown && c.ChunkType() != ty {
			t.Errorf("NewChunk(%v).ChunkType() = %v", ty, c.ChunkType())
		}
	}
	if n := len(ChunkTypes); n != 23 {
		t.Errorf("ChunkTypes has %d entries, want the 23 typed chunks", n)
	}
	for _, ty := range ChunkTypes {
		if _, unknown := NewChunk(ty).(*chunk.Unknown); unknown {
			t.Errorf("ChunkTypes lists %v but NewChunk has no typed value", ty)
		}
	}
	for i := range 1 << 16 {
		pt := chunk.ParamType(i)
		p := NewParam(pt)
		named := !strings.HasPrefix(pt.String(), "ParamType(")
		if named && p == nil {
			t.Errorf("parameter type %v has a name in package chunk but no typed value in NewParam", pt)
		}
		// A zero AddrParam has no address yet, so its type is not known.
		if p != nil && pt != chunk.ParamIPv4Addr && pt != chunk.ParamIPv6Addr && p.ParamType() != pt {
			t.Errorf("NewParam(%v).ParamType() = %v", pt, p.ParamType())
		}
		cc := chunk.CauseCode(i)
		c := NewCause(cc)
		named = !strings.HasPrefix(cc.String(), "CauseCode(")
		if named && c == nil {
			t.Errorf("cause code %v has a name in package chunk but no typed value in NewCause", cc)
		}
		if c != nil && c.CauseCode() != cc {
			t.Errorf("NewCause(%v).CauseCode() = %v", cc, c.CauseCode())
		}
	}
	for _, pt := range ParamTypes {
		if NewParam(pt) == nil {
			t.Errorf("ParamTypes lists %v but NewParam has none", pt)
		}
	}
	for _, cc := range CauseCodes {
		if NewCause(cc) == nil {
			t.Errorf("CauseCodes lists %v but NewCause has none", cc)
		}
	}
}
