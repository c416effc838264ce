package chunk_test

import (
	"fmt"

	"github.com/usctp/sctp/chunk"
)

// Walk a bundle of chunks, decoding the ones the caller handles into
// reused values and keeping the others' action bits.
func ExampleIter() {
	var b []byte
	b = (&chunk.Sack{CumTSNAck: 41, ARwnd: 65536, Gaps: []chunk.GapBlock{{Start: 2, End: 3}}}).AppendTo(b)
	b = (&chunk.Data{Beginning: true, Ending: true, TSN: 42, PPID: 51, UserData: []byte("hi")}).AppendTo(b)
	b = (&chunk.Unknown{Raw: chunk.Raw{Type: 0xbf, Value: []byte{1}}}).AppendTo(b)

	var (
		sack chunk.Sack
		data chunk.Data
	)
	it := chunk.NewIter(b)
	for it.Next() {
		r := it.Chunk()
		switch r.Type {
		case chunk.TypeSack:
			if err := sack.Decode(r); err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println("SACK", sack.CumTSNAck, sack.Gaps)
		case chunk.TypeData:
			if err := data.Decode(r); err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("DATA tsn=%d %q\n", data.TSN, data.UserData)
		default:
			fmt.Println(r.Type, chunk.ActionOf(r.Type))
		}
	}
	if err := it.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// SACK 41 [{2 3}]
	// DATA tsn=42 "hi"
	// Type(0xbf) skip
}

// Malformed input yields a *ParseError wrapping a sentinel.
func ExampleParseError() {
	it := chunk.NewIter([]byte{byte(chunk.TypeShutdown), 0, 0, 12, 0, 0, 0, 1})
	for it.Next() {
	}
	fmt.Println(it.Err())
	// Output:
	// chunk: SHUTDOWN at offset 0 (chunk length beyond the packet): chunk: bad length
}
