package sctp

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/fuzz"
)

type goldenPacket = fuzz.Golden

// goldenLoad extracts the SCTP packets (UDP payloads) of every
// testdata/usrsctp-*.pcap capture, in file and frame order.
func goldenLoad(t testing.TB) []goldenPacket {
	t.Helper()
	g, err := fuzz.GoldenPackets("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// goldenTypedChunk returns a fresh typed value for chunk type t (Unknown for
// types the chunk package has no type for).
func goldenTypedChunk(t chunk.Type) chunk.Chunk { return fuzz.NewChunk(t) }

// goldenWalkChunks returns each chunk of a packet's chunk bytes with the exact
// bytes it occupies (header, value, padding).
func goldenWalkChunks(t testing.TB, chunks []byte) (raws []chunk.Raw, wire [][]byte) {
	t.Helper()
	it := chunk.NewIter(chunks)
	prev := 0
	for it.Next() {
		raws = append(raws, it.Chunk())
		wire = append(wire, chunks[prev:it.Offset()])
		prev = it.Offset()
	}
	if err := it.Err(); err != nil {
		t.Fatalf("chunk iteration: %v", err)
	}
	if prev != len(chunks) {
		t.Fatalf("iteration stopped at %d of %d bytes", prev, len(chunks))
	}
	return raws, wire
}

// TestGoldenRoundTrip: every captured usrsctp packet parses (CRC32c
// verified, bundling valid), every chunk decodes with its typed decoder and
// re-encodes to the captured bytes, and header + re-encoded chunks +
// finalizePacket reproduce the captured packet byte for byte.
func TestGoldenRoundTrip(t *testing.T) {
	golden := goldenLoad(t)
	if len(golden) < 10 {
		t.Fatalf("only %d golden packets, want >= 10", len(golden))
	}
	seen := map[chunk.Type]int{}
	for _, g := range golden {
		h, chunks, err := parsePacket(g.Payload)
		if err != nil {
			t.Errorf("%v: parsePacket: %v", g, err)
			continue
		}
		if h.SrcPort == 0 || h.DstPort == 0 {
			t.Errorf("%v: zero port in %+v", g, h)
		}
		if err := validateBundling(h, chunks); err != nil {
			t.Errorf("%v: validateBundling: %v", g, err)
		}
		raws, wire := goldenWalkChunks(t, chunks)
		out := appendCommonHeader(nil, h)
		for i, r := range raws {
			seen[r.Type]++
			c := goldenTypedChunk(r.Type)
			if _, unknown := c.(*chunk.Unknown); unknown {
				t.Errorf("%v chunk %d: type %v has no typed decoder", g, i, r.Type)
			}
			if err := c.Decode(r); err != nil {
				t.Errorf("%v chunk %d (%v): Decode: %v", g, i, r.Type, err)
				continue
			}
			if c.ChunkType() != r.Type {
				t.Errorf("%v chunk %d: ChunkType %v, want %v", g, i, c.ChunkType(), r.Type)
			}
			enc := c.AppendTo(nil)
			if !bytes.Equal(enc, wire[i]) {
				t.Errorf("%v chunk %d (%v): re-encoded\n%x\nwant\n%x", g, i, r.Type, enc, wire[i])
			}
			// Decoding again into the used value (slice reuse) gives the same.
			if err := c.Decode(r); err != nil {
				t.Errorf("%v chunk %d: second Decode: %v", g, i, err)
			} else if enc2 := c.AppendTo(nil); !bytes.Equal(enc2, enc) {
				t.Errorf("%v chunk %d: second Decode re-encodes differently", g, i)
			}
			out = c.AppendTo(out)
		}
		finalizePacket(out)
		if !bytes.Equal(out, g.Payload) {
			t.Errorf("%v: re-encoded packet\n%x\nwant\n%x", g, out, g.Payload)
		}
		if crc32c(append(append(append([]byte(nil), g.Payload[:8]...), 0, 0, 0, 0), g.Payload[12:]...)) != h.Checksum {
			t.Errorf("%v: CRC32c disagrees with the header checksum", g)
		}
	}
	// The captures must keep covering these chunk types (testdata/README.md).
	for _, want := range []chunk.Type{
		chunk.TypeData, chunk.TypeInit, chunk.TypeInitAck, chunk.TypeSack, chunk.TypeHeartbeat,
		chunk.TypeHeartbeatAck, chunk.TypeAbort, chunk.TypeShutdown, chunk.TypeShutdownAck,
		chunk.TypeCookieEcho, chunk.TypeCookieAck, chunk.TypeShutdownComplete, chunk.TypeReconfig,
		chunk.TypeError,
		chunk.TypeForwardTSN,
	} {
		if seen[want] == 0 {
			t.Errorf("no %v chunk in the golden captures", want)
		}
	}
}

// TestGoldenParams walks the parameters of every INIT, INIT ACK, HEARTBEAT,
// RE-CONFIG and the causes of every ABORT/ERROR of the captures: the lists
// are well framed and re-append to the same bytes, and every parameter and
// cause decodes with its typed value and re-encodes byte-identically.
func TestGoldenParams(t *testing.T) {
	params := map[chunk.ParamType]int{}
	causeCodes := map[chunk.CauseCode]int{}
	for _, g := range goldenLoad(t) {
		_, chunks, err := parsePacket(g.Payload)
		if err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		raws, _ := goldenWalkChunks(t, chunks)
		for _, r := range raws {
			var list []byte
			isCause := false
			switch r.Type {
			case chunk.TypeInit, chunk.TypeInitAck:
				list = r.Value[16:]
			case chunk.TypeHeartbeat, chunk.TypeHeartbeatAck, chunk.TypeReconfig:
				list = r.Value
			case chunk.TypeAbort, chunk.TypeError:
				list, isCause = r.Value, true
			default:
				continue
			}
			var rebuilt []byte
			if isCause {
				it := chunk.NewCauseIter(list)
				for it.Next() {
					c := it.Cause()
					rebuilt = chunk.AppendCause(rebuilt, c.Code, c.Info)
					causeCodes[c.Code]++
					tc := fuzz.NewCause(c.Code)
					if tc == nil {
						t.Errorf("%v: cause %v has no typed value", g, c.Code)
						continue
					}
					if err := tc.Decode(c); err != nil {
						t.Errorf("%v: cause %v: Decode: %v", g, c.Code, err)
					} else if enc := chunk.AppendCause(nil, c.Code, c.Info); !bytes.Equal(tc.AppendTo(nil), enc) {
						t.Errorf("%v: cause %v re-encodes as %x, want %x", g, c.Code, tc.AppendTo(nil), enc)
					}
				}
				if err := it.Err(); err != nil {
					t.Errorf("%v %v: causes: %v", g, r.Type, err)
				}
			} else {
				it := chunk.NewParamIter(list)
				for it.Next() {
					p := it.Param()
					params[p.Type]++
					rebuilt = chunk.AppendParam(rebuilt, p.Type, p.Value)
					tp := fuzz.NewParam(p.Type)
					if tp == nil {
						t.Errorf("%v: parameter %v has no typed value", g, p.Type)
						continue
					}
					if err := tp.Decode(p); err != nil {
						t.Errorf("%v: parameter %v: Decode: %v", g, p.Type, err)
					} else if enc := chunk.AppendParam(nil, p.Type, p.Value); !bytes.Equal(tp.AppendTo(nil), enc) {
						t.Errorf("%v: parameter %v re-encodes as %x, want %x", g, p.Type, tp.AppendTo(nil), enc)
					} else if tp.ParamType() != p.Type {
						t.Errorf("%v: parameter %v: ParamType %v", g, p.Type, tp.ParamType())
					}
				}
				if err := it.Err(); err != nil {
					t.Errorf("%v %v: params: %v", g, r.Type, err)
				}
			}
			// The last element's padding is not part of the chunk value.
			if len(rebuilt) < len(list) || !bytes.Equal(rebuilt[:len(list)], list) ||
				len(rebuilt)-len(list) > 3 || slices.ContainsFunc(rebuilt[len(list):], func(b byte) bool { return b != 0 }) {
				t.Errorf("%v %v: parameter/cause list re-appends as\n%x\nwant\n%x", g, r.Type, rebuilt, list)
			}
		}
	}
	for _, want := range []chunk.ParamType{
		chunk.ParamHeartbeatInfo, chunk.ParamIPv4Addr, chunk.ParamIPv6Addr, chunk.ParamStateCookie,
		chunk.ParamSupportedAddrTypes, chunk.ParamECNCapable, chunk.ParamRandom, chunk.ParamChunkList,
		chunk.ParamRequestedHMAC, chunk.ParamSupportedExtensions, chunk.ParamForwardTSNSupported,
		chunk.ParamOutSSNResetReq, chunk.ParamReconfigResp, chunk.ParamUnrecognized,
	} {
		if params[want] == 0 {
			t.Errorf("no %v parameter in the golden captures", want)
		}
	}
	for _, want := range []chunk.CauseCode{
		chunk.CauseInvalidStream, chunk.CauseUnrecognizedChunk, chunk.CauseInvalidMandatoryParam, chunk.CauseNoUserData,
	} {
		if causeCodes[want] == 0 {
			t.Errorf("no %v cause in the golden captures", want)
		}
	}
}

// TestGoldenContent checks decoded values against what the usrsctp
// programs were told to do (testdata/README.md), so a decoder that
// round-trips bytes but reads fields wrongly fails.
func TestGoldenContent(t *testing.T) {
	var echo []goldenPacket
	var abort, prsctp, probe []goldenPacket
	for _, g := range goldenLoad(t) {
		switch g.File {
		case "usrsctp-echo.pcap":
			echo = append(echo, g)
		case "usrsctp-ekr-abort.pcap":
			abort = append(abort, g)
		case "usrsctp-tsctp-prsctp.pcap":
			prsctp = append(prsctp, g)
		case "usrsctp-echo-probe.pcap":
			probe = append(probe, g)
		}
	}
	if len(echo) < 20 || len(abort) != 2 || len(prsctp) < 10 || len(probe) < 10 {
		t.Fatalf("unexpected capture sizes: echo %d, abort %d, prsctp %d, probe %d", len(echo), len(abort), len(prsctp), len(probe))
	}
	first := func(g goldenPacket) (commonHeader, chunk.Raw) {
		h, chunks, err := parsePacket(g.Payload)
		if err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		it := chunk.NewIter(chunks)
		if !it.Next() {
			t.Fatalf("%v: no chunk: %v", g, it.Err())
		}
		return h, it.Chunk()
	}

	// Handshake: INIT (vtag 0) → INIT ACK (vtag = INIT's initiate tag) →
	// COOKIE ECHO carrying exactly the INIT ACK's cookie → COOKIE ACK.
	hInit, rInit := first(echo[0])
	var ini chunk.Init
	if err := ini.Decode(rInit); err != nil {
		t.Fatal(err)
	}
	if hInit.VerificationTag != 0 || hInit.DstPort != 7 {
		t.Errorf("INIT header %+v, want vtag 0 to SCTP port 7", hInit)
	}
	if ini.ARwnd != 131072 || ini.OutStreams != 10 || ini.InStreams != 2048 {
		t.Errorf("INIT a_rwnd %d OS %d MIS %d, want usrsctp defaults 131072/10/2048", ini.ARwnd, ini.OutStreams, ini.InStreams)
	}
	if p, ok := chunk.FindParam(ini.Params, chunk.ParamIPv4Addr); !ok || len(p.Value) != 4 {
		t.Errorf("INIT without IPv4 address parameter")
	}
	hAck, rAck := first(echo[1])
	var ack chunk.InitAck
	if err := ack.Decode(rAck); err != nil {
		t.Fatal(err)
	}
	if hAck.VerificationTag != ini.InitiateTag {
		t.Errorf("INIT ACK vtag %#x, want INIT's initiate tag %#x", hAck.VerificationTag, ini.InitiateTag)
	}
	if !bytes.HasPrefix(ack.Cookie(), []byte("KAME-BSD 1.1")) {
		t.Errorf("INIT ACK cookie %q..., want the usrsctp KAME-BSD tag", ack.Cookie()[:min(16, len(ack.Cookie()))])
	}
	hEcho, rEcho := first(echo[2])
	var ce chunk.CookieEcho
	if err := ce.Decode(rEcho); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ce.Cookie, ack.Cookie()) || hEcho.VerificationTag != ack.InitiateTag {
		t.Errorf("COOKIE ECHO does not echo the INIT ACK cookie/tag")
	}

	// DATA: the client sent "hello\n" then "world\n" on stream 0, PPID 0;
	// the SACKs acknowledge them and the SHUTDOWN carries the last TSN.
	var msgs []string
	var tsns, serverTSNs []uint32
	var hbInfo [][]byte
	var hbAckInfo [][]byte
	var shutdownCum uint32
	clientPort := hInit.SrcPort
	for _, g := range echo {
		h, chunks, _ := parsePacket(g.Payload)
		raws, _ := goldenWalkChunks(t, chunks)
		for _, r := range raws {
			switch r.Type {
			case chunk.TypeData:
				var d chunk.Data
				if err := d.Decode(r); err != nil {
					t.Fatal(err)
				}
				if h.SrcPort == clientPort {
					msgs = append(msgs, string(d.UserData))
					tsns = append(tsns, d.TSN)
				} else {
					serverTSNs = append(serverTSNs, d.TSN)
				}
				if !d.Beginning || !d.Ending || d.Stream != 0 || d.PPID != 0 {
					t.Errorf("%v: DATA %+v, want a complete message on stream 0 PPID 0", g, d)
				}
			case chunk.TypeHeartbeat:
				var hb chunk.Heartbeat
				if err := hb.Decode(r); err != nil {
					t.Fatal(err)
				}
				hbInfo = append(hbInfo, hb.Info)
			case chunk.TypeHeartbeatAck:
				var hb chunk.HeartbeatAck
				if err := hb.Decode(r); err != nil {
					t.Fatal(err)
				}
				hbAckInfo = append(hbAckInfo, hb.Info)
			case chunk.TypeShutdown:
				var s chunk.Shutdown
				if err := s.Decode(r); err != nil {
					t.Fatal(err)
				}
				shutdownCum = s.CumTSNAck
			}
		}
	}
	if !slices.Equal(msgs, []string{"hello\n", "world\n"}) {
		t.Errorf("client DATA payloads %q, want hello, world", msgs)
	}
	if len(tsns) == 2 && tsns[1] != tsns[0]+1 {
		t.Errorf("client TSNs %v not consecutive", tsns)
	}
	if len(hbInfo) == 0 || len(hbInfo) != len(hbAckInfo) {
		t.Errorf("%d HEARTBEATs, %d HEARTBEAT ACKs", len(hbInfo), len(hbAckInfo))
	}
	for _, info := range hbAckInfo {
		if !slices.ContainsFunc(hbInfo, func(b []byte) bool { return bytes.Equal(b, info) }) {
			t.Errorf("HEARTBEAT ACK info %x echoes no HEARTBEAT", info)
		}
	}
	// The client sends the SHUTDOWN: its Cumulative TSN Ack is the TSN of
	// the last message the server echoed.
	if len(serverTSNs) != 2 || shutdownCum != serverTSNs[1] {
		t.Errorf("SHUTDOWN cum TSN ack %d, server DATA TSNs %v", shutdownCum, serverTSNs)
	}

	// ABORT from ekr_server answering an INIT to a closed port: T bit 0 and
	// the INIT's initiate tag as verification tag (RFC 9260 §8.4 rule 8 /
	// §5.1 for the INIT case).
	_, rI := first(abort[0])
	var ai chunk.Init
	if err := ai.Decode(rI); err != nil {
		t.Fatal(err)
	}
	hA, rA := first(abort[1])
	var ab chunk.Abort
	if err := ab.Decode(rA); err != nil {
		t.Fatal(err)
	}
	if ab.T || hA.VerificationTag != ai.InitiateTag {
		t.Errorf("ABORT T=%v vtag %#x, want T=false vtag %#x", ab.T, hA.VerificationTag, ai.InitiateTag)
	}

	// FORWARD TSN from tsctp -P 1: a new cumulative TSN and one stream entry
	// for stream 0, bundled before a DATA whose TSN is the next one.
	found := false
	for _, g := range prsctp {
		_, chunks, _ := parsePacket(g.Payload)
		raws, _ := goldenWalkChunks(t, chunks)
		if len(raws) == 2 && raws[0].Type == chunk.TypeForwardTSN && raws[1].Type == chunk.TypeData {
			var f chunk.ForwardTSN
			var d chunk.Data
			if err := f.Decode(raws[0]); err != nil {
				t.Fatal(err)
			}
			if err := d.Decode(raws[1]); err != nil {
				t.Fatal(err)
			}
			found = true
			if len(f.Streams) != 1 || f.Streams[0].Stream != 0 || d.TSN != f.NewCumTSN+1 || f.Streams[0].SSN+1 != d.SSN {
				t.Errorf("%v: FORWARD TSN %+v then DATA TSN %d SSN %d", g, f, d.TSN, d.SSN)
			}
			if len(d.UserData) != 1000 || bytes.Count(d.UserData, []byte("b")) != 1000 {
				t.Errorf("%v: tsctp DATA payload is not 1000 'b' bytes", g)
			}
		}
	}
	if !found {
		t.Errorf("no FORWARD TSN + DATA packet in the PR-SCTP capture")
	}
}

// TestGoldenCorruption: flipping any one bit of a golden packet makes
// parsePacket fail (CRC32c detects every single-bit error).
func TestGoldenCorruption(t *testing.T) {
	for _, g := range goldenLoad(t) {
		b := bytes.Clone(g.Payload)
		for i := range b {
			bit := byte(1) << (i % 8)
			b[i] ^= bit
			if _, _, err := parsePacket(b); !errors.Is(err, errBadChecksum) {
				t.Fatalf("%v: bit flip at byte %d: %v, want errBadChecksum", g, i, err)
			}
			b[i] ^= bit
		}
		if _, _, err := parsePacket(b[:len(b)-1]); err == nil {
			t.Errorf("%v: truncated packet accepted", g)
		}
	}
}

// TestGoldenProbeContent checks echo_server's replies to testdata/probe
// (what it was sent is in testdata/probe/main.go): the decoded fields must
// be the ones usrsctp reports about our packets.
func TestGoldenProbeContent(t *testing.T) {
	var probe []goldenPacket
	for _, g := range goldenLoad(t) {
		if g.File == "usrsctp-echo-probe.pcap" {
			probe = append(probe, g)
		}
	}
	const ourTag, ourTSN = 0x0badcafe, 1000
	var (
		sacks        []chunk.Sack
		causes       []chunk.Cause
		unrecognized []byte
	)
	for _, g := range probe {
		h, chunks, err := parsePacket(g.Payload)
		if err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		if h.VerificationTag != ourTag {
			t.Errorf("%v: vtag %#x, want our initiate tag %#x", g, h.VerificationTag, uint32(ourTag))
		}
		raws, _ := goldenWalkChunks(t, chunks)
		for _, r := range raws {
			switch r.Type {
			case chunk.TypeInitAck:
				var a chunk.InitAck
				if err := a.Decode(r); err != nil {
					t.Fatal(err)
				}
				p, ok := chunk.FindParam(a.Params, chunk.ParamUnrecognized)
				if !ok {
					t.Fatalf("%v: INIT ACK without Unrecognized Parameter", g)
				}
				var u chunk.UnrecognizedParam
				if err := u.Decode(p); err != nil {
					t.Fatal(err)
				}
				unrecognized = u.Param
			case chunk.TypeSack:
				var s chunk.Sack
				if err := s.Decode(r); err != nil {
					t.Fatal(err)
				}
				s.Gaps, s.DupTSNs = slices.Clone(s.Gaps), slices.Clone(s.DupTSNs)
				sacks = append(sacks, s)
			case chunk.TypeAbort, chunk.TypeError:
				it := chunk.NewCauseIter(r.Value)
				for it.Next() {
					causes = append(causes, it.Cause())
				}
				if it.Err() != nil {
					t.Fatal(it.Err())
				}
			}
		}
	}
	// The INIT's unknown parameter 0xfff0 "probe" comes back whole.
	if want := chunk.AppendParam(nil, 0xfff0, []byte("probe"))[:9]; !bytes.HasPrefix(unrecognized, want) {
		t.Errorf("Unrecognized Parameter holds %x, want %x", unrecognized, want)
	}
	// DATA 1000, 1002, 1002 (duplicate), 1001.
	want := []string{
		"{CumTSNAck:1000 Gaps:[] Dups:[]}",
		"{CumTSNAck:1000 Gaps:[{Start:2 End:2}] Dups:[]}",
		"{CumTSNAck:1000 Gaps:[{Start:2 End:2}] Dups:[1002]}",
		"{CumTSNAck:1002 Gaps:[] Dups:[]}",
	}
	var got []string
	for _, s := range sacks {
		got = append(got, fmt.Sprintf("{CumTSNAck:%d Gaps:%+v Dups:%v}", s.CumTSNAck, s.Gaps, s.DupTSNs))
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("SACKs\n%s\nwant first\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// ABORT cause 7 (a_rwnd 1000), ERROR cause 6 (chunk 0xff), ERROR cause 1
	// (stream 20), ABORT cause 9 (empty DATA, TSN 1004).
	var codes []chunk.CauseCode
	for _, c := range causes {
		codes = append(codes, c.Code)
		switch c.Code {
		case chunk.CauseUnrecognizedChunk:
			var u chunk.UnrecognizedChunkCause
			if err := u.Decode(c); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(u.Chunk, []byte{0xff, 0, 0, 6, '?', '!'}) {
				t.Errorf("Unrecognized Chunk Type cause holds %x", u.Chunk)
			}
		case chunk.CauseInvalidStream:
			var s chunk.InvalidStreamCause
			if err := s.Decode(c); err != nil {
				t.Fatal(err)
			}
			if s.Stream != 20 {
				t.Errorf("Invalid Stream cause for stream %d, want 20", s.Stream)
			}
		case chunk.CauseNoUserData:
			var n chunk.NoUserDataCause
			if err := n.Decode(c); err != nil {
				t.Fatal(err)
			}
			if n.TSN != ourTSN+4 {
				t.Errorf("No User Data cause for TSN %d, want %d", n.TSN, ourTSN+4)
			}
		}
	}
	wantCodes := []chunk.CauseCode{chunk.CauseInvalidMandatoryParam, chunk.CauseUnrecognizedChunk, chunk.CauseInvalidStream, chunk.CauseNoUserData}
	if !slices.Equal(codes, wantCodes) {
		t.Errorf("causes %v, want %v", codes, wantCodes)
	}
}
