package sctp

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/fuzz"
	"github.com/usctp/sctp/internal/pcap"
)

// tsharkPacket is one SCTP packet built with our encoders.
type tsharkPacket struct {
	name   string
	vtag   uint32
	chunks []chunk.Chunk
}

// tsharkNestedChunks lists, per packet name, the types of chunks embedded in
// error causes (Unrecognized Chunk Type): tshark reports their types too.
var tsharkNestedChunks = map[string][]string{"ERROR": {"254"}}

func tsharkParams(ps ...chunk.TypedParam) []byte {
	var b []byte
	for _, p := range ps {
		b = p.AppendTo(b)
	}
	return b
}

func tsharkCauses(cs ...chunk.TypedCause) []byte {
	var b []byte
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	return b
}

var (
	tsharkAddr4 = netip.MustParseAddr("192.0.2.1")
	tsharkAddr6 = netip.MustParseAddr("2001:db8::1")
)

// tsharkAllChunkPackets returns packets that together carry one of every chunk
// type, every typed parameter and every typed error cause of package
// chunk, bundled as RFC 9260 §6.10 allows.
func tsharkAllChunkPackets() []tsharkPacket {
	hmac := bytes.Repeat([]byte{0x5a}, 20) // HMAC-SHA-1 length
	random := bytes.Repeat([]byte{0xa5}, 32)
	unknownChunk := (&chunk.Unknown{Raw: chunk.Raw{Type: 0xfe, Flags: 1, Value: []byte{1, 2, 3}}}).AppendTo(nil)
	// Embedded parameters are carried whole but without their padding, which
	// becomes the padding of the cause (what chunk.ParamIter.Raw returns;
	// tshark flags the padded form as malformed).
	unknownParam := chunk.AppendParam(nil, 0xfffe, []byte{9, 9, 9})[:7]
	hostName := chunk.AppendParam(nil, chunk.ParamHostName, []byte("host.example\x00"))[:17]
	ipv4Param := (&chunk.AddrParam{Addr: tsharkAddr4}).AppendTo(nil)
	initParams := tsharkParams(
		&chunk.AddrParam{Addr: tsharkAddr4},
		&chunk.AddrParam{Addr: tsharkAddr6},
		&chunk.CookiePreservativeParam{Increment: 5000},
		&chunk.SupportedAddrTypesParam{IPv4: true, IPv6: true},
		&chunk.ECNCapableParam{},
		&chunk.ForwardTSNSupportedParam{},
		&chunk.SupportedExtensionsParam{Types: []chunk.Type{chunk.TypeForwardTSN, chunk.TypeReconfig, chunk.TypeIData, chunk.TypeIForwardTSN, chunk.TypeAuth, chunk.TypeAsconf, chunk.TypeAsconfAck, chunk.TypePad}},
		&chunk.RandomParam{Random: random},
		&chunk.ChunkListParam{Types: []chunk.Type{chunk.TypeAsconf, chunk.TypeAsconfAck}},
		&chunk.RequestedHMACParam{IDs: []uint16{1, 3}},
		&chunk.AdaptationLayerParam{Indication: 0x01020304},
		&chunk.ZeroChecksumParam{EDMID: 1},
		&chunk.PaddingParam{Padding: make([]byte, 7)},
	)
	initAckParams := tsharkParams(
		&chunk.StateCookieParam{Cookie: []byte("a state cookie, 31 bytes long!!")},
		&chunk.AddrParam{Addr: tsharkAddr4},
		&chunk.UnrecognizedParam{Param: unknownParam},
		&chunk.ECNCapableParam{},
		&chunk.ForwardTSNSupportedParam{},
		&chunk.SupportedExtensionsParam{Types: []chunk.Type{chunk.TypeForwardTSN, chunk.TypeReconfig}},
	)
	allCauses := tsharkCauses(
		&chunk.InvalidStreamCause{Stream: 42},
		&chunk.MissingParamCause{Types: []chunk.ParamType{chunk.ParamStateCookie, chunk.ParamRandom}},
		&chunk.StaleCookieCause{Staleness: 123456},
		&chunk.OutOfResourceCause{},
		&chunk.UnresolvableAddrCause{Addr: hostName},
		&chunk.UnrecognizedChunkCause{Chunk: unknownChunk},
		&chunk.InvalidMandatoryParamCause{},
		&chunk.UnrecognizedParamsCause{Params: unknownParam},
		&chunk.NoUserDataCause{TSN: 77},
		&chunk.CookieWhileShuttingDownCause{},
	)
	moreCauses := tsharkCauses(
		&chunk.RestartNewAddrsCause{Addrs: ipv4Param},
		&chunk.UserInitiatedAbortCause{Reason: []byte("Close called")},
		&chunk.ProtocolViolationCause{Info: []byte("bad")},
		&chunk.RestartNewEncapPortCause{CurrentPort: 9899, NewPort: 9900},
		&chunk.DeleteLastAddrCause{Param: ipv4Param},
		&chunk.ResourceShortageCause{Param: ipv4Param},
		&chunk.DeleteSourceAddrCause{Param: ipv4Param},
		&chunk.IllegalAsconfAckCause{},
		&chunk.NoAuthorizationCause{Param: ipv4Param},
		&chunk.UnsupportedHMACCause{HMACID: 2},
	)
	const vt = 0x01020304
	return []tsharkPacket{
		{"INIT", 0, []chunk.Chunk{&chunk.Init{InitiateTag: vt, ARwnd: 131072, OutStreams: 10, InStreams: 2048, InitialTSN: 1000, Params: initParams}}},
		{"INIT ACK", vt, []chunk.Chunk{&chunk.InitAck{InitiateTag: 0x0a0b0c0d, ARwnd: 65536, OutStreams: 5, InStreams: 5, InitialTSN: 7, Params: initAckParams}}},
		{"COOKIE ECHO + DATA", vt, []chunk.Chunk{
			&chunk.CookieEcho{Cookie: []byte("a state cookie, 31 bytes long!!")},
			&chunk.Data{Beginning: true, Ending: true, TSN: 1000, Stream: 1, SSN: 0, PPID: 51, UserData: []byte("hi")},
		}},
		{"COOKIE ACK + SACK", vt, []chunk.Chunk{
			&chunk.CookieAck{},
			&chunk.Sack{CumTSNAck: 1000, ARwnd: 60000, Gaps: []chunk.GapBlock{{Start: 2, End: 3}, {Start: 5, End: 9}}, DupTSNs: []uint32{999, 998}},
		}},
		{"DATA x3", vt, []chunk.Chunk{
			&chunk.Data{Beginning: true, TSN: 1001, Stream: 0, SSN: 1, PPID: 0, UserData: bytes.Repeat([]byte("x"), 1001)},
			&chunk.Data{TSN: 1002, Stream: 0, SSN: 1, UserData: []byte("middle")},
			&chunk.Data{Ending: true, Unordered: true, Immediate: true, TSN: 1003, Stream: 0, SSN: 1, UserData: []byte("end")},
		}},
		{"I-DATA x2", vt, []chunk.Chunk{
			&chunk.IData{Beginning: true, TSN: 1004, Stream: 3, MID: 9, PPIDOrFSN: 53, UserData: []byte("first fragment")},
			&chunk.IData{Ending: true, Unordered: true, TSN: 1005, Stream: 3, MID: 9, PPIDOrFSN: 1, UserData: []byte("last")},
		}},
		{"HEARTBEAT", vt, []chunk.Chunk{&chunk.Heartbeat{Info: []byte("nonce+time, 21 bytes")}}},
		{"HEARTBEAT ACK", vt, []chunk.Chunk{&chunk.HeartbeatAck{Info: []byte("nonce+time, 21 bytes")}}},
		{"ERROR", vt, []chunk.Chunk{&chunk.Error{Causes: allCauses}}},
		{"ERROR 2", vt, []chunk.Chunk{&chunk.Error{Causes: moreCauses}}},
		{"SHUTDOWN", vt, []chunk.Chunk{&chunk.Shutdown{CumTSNAck: 1005}}},
		{"SHUTDOWN ACK", vt, []chunk.Chunk{&chunk.ShutdownAck{}}},
		{"SHUTDOWN COMPLETE", vt, []chunk.Chunk{&chunk.ShutdownComplete{T: true}}},
		{"ECNE + CWR", vt, []chunk.Chunk{&chunk.ECNE{LowestTSN: 1001}, &chunk.CWR{LowestTSN: 1001}}},
		{"ECNE with count", vt, []chunk.Chunk{&chunk.ECNE{LowestTSN: 1002, HasCount: true, Count: 3}}},
		{"AUTH + ASCONF", vt, []chunk.Chunk{
			&chunk.Auth{SharedKeyID: 0, HMACID: 1, HMAC: hmac},
			&chunk.Asconf{Serial: 1, Addr: tsharkAddr4, Params: tsharkParams(
				&chunk.AddIPAddrParam{CorrelationID: 1, Addr: netip.MustParseAddr("192.0.2.7")},
				&chunk.DeleteIPAddrParam{CorrelationID: 2, Addr: netip.MustParseAddr("2001:db8::7")},
				&chunk.SetPrimaryAddrParam{CorrelationID: 3, Addr: tsharkAddr4},
				&chunk.AdaptationLayerParam{Indication: 1},
			)},
		}},
		{"AUTH + ASCONF ACK", vt, []chunk.Chunk{
			&chunk.Auth{SharedKeyID: 1, HMACID: 1, HMAC: hmac},
			&chunk.AsconfAck{Serial: 1, Params: tsharkParams(
				&chunk.SuccessIndicationParam{CorrelationID: 1},
				&chunk.ErrorCauseIndicationParam{CorrelationID: 2, Causes: tsharkCauses(&chunk.DeleteLastAddrCause{Param: ipv4Param})},
			)},
		}},
		{"RE-CONFIG out+in", vt, []chunk.Chunk{&chunk.Reconfig{Params: tsharkParams(
			&chunk.OutSSNResetReqParam{ReqSeq: 10, RespSeq: 20, LastTSN: 1005, Streams: []uint16{1, 2, 3}},
			&chunk.InSSNResetReqParam{ReqSeq: 11, Streams: []uint16{4}},
		)}}},
		{"RE-CONFIG ssn/tsn", vt, []chunk.Chunk{&chunk.Reconfig{Params: tsharkParams(&chunk.SSNTSNResetReqParam{ReqSeq: 12})}}},
		{"RE-CONFIG resp", vt, []chunk.Chunk{&chunk.Reconfig{Params: tsharkParams(
			&chunk.ReconfigRespParam{RespSeq: 12, Result: chunk.ReconfigSuccessPerformed, HasTSNs: true, SenderNextTSN: 2000, ReceiverNextTSN: 3000},
			&chunk.ReconfigRespParam{RespSeq: 10, Result: chunk.ReconfigDenied},
		)}}},
		{"RE-CONFIG add streams", vt, []chunk.Chunk{&chunk.Reconfig{Params: tsharkParams(
			&chunk.AddOutStreamsReqParam{ReqSeq: 13, NewStreams: 4},
			&chunk.AddInStreamsReqParam{ReqSeq: 14, NewStreams: 2},
		)}}},
		{"PAD + DATA", vt, []chunk.Chunk{&chunk.Pad{Padding: make([]byte, 100)}, &chunk.Data{Beginning: true, Ending: true, TSN: 1006, UserData: []byte("after pad")}}},
		{"FORWARD TSN", vt, []chunk.Chunk{&chunk.ForwardTSN{NewCumTSN: 1010, Streams: []chunk.ForwardTSNStream{{Stream: 0, SSN: 4}, {Stream: 2, SSN: 9}}}}},
		{"I-FORWARD TSN", vt, []chunk.Chunk{&chunk.IForwardTSN{NewCumTSN: 1011, Streams: []chunk.IForwardTSNStream{{Stream: 3, Unordered: true, MID: 9}, {Stream: 4, MID: 1}}}}},
		{"ABORT", vt, []chunk.Chunk{&chunk.Abort{T: false, Causes: tsharkCauses(&chunk.UserInitiatedAbortCause{Reason: []byte("bye")}, &chunk.ProtocolViolationCause{Info: []byte("x")})}}},
	}
}

// tsharkEncodePacket builds the SCTP packet with our API and checks that our
// own decoder takes it back.
func tsharkEncodePacket(t *testing.T, p tsharkPacket, src, dst uint16) []byte {
	t.Helper()
	b := appendCommonHeader(nil, commonHeader{SrcPort: src, DstPort: dst, VerificationTag: p.vtag})
	for _, c := range p.chunks {
		b = c.AppendTo(b)
	}
	finalizePacket(b)
	h, cs, err := parsePacket(b)
	if err != nil {
		t.Fatalf("%s: parsePacket of our own packet: %v", p.name, err)
	}
	if err := validateBundling(h, cs); err != nil {
		t.Fatalf("%s: validateBundling of our own packet: %v", p.name, err)
	}
	it := chunk.NewIter(cs)
	for i := 0; it.Next(); i++ {
		r := it.Chunk()
		c := goldenTypedChunk(r.Type)
		if err := c.Decode(r); err != nil {
			t.Fatalf("%s chunk %d (%v): Decode of our own chunk: %v", p.name, i, r.Type, err)
		}
		if !bytes.Equal(c.AppendTo(nil), p.chunks[i].AppendTo(nil)) {
			t.Fatalf("%s chunk %d (%v): decode/encode changed it", p.name, i, r.Type)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	return b
}

// tsharkFrame is what tshark reports for one frame.
type tsharkFrame struct {
	number         string
	srcPort        string   // udp.srcport
	checksumStatus string   // "1" good, "0" bad, "2" unverified, "" not dissected as SCTP
	malformed      bool     // _ws.malformed present
	chunkTypes     []string // sctp.chunk_type values
	expertErrors   int      // expert items with severity error
	extra          []string // the extra fields asked of runTsharkOn, ","-joined when repeated
}

// needTshark returns the path of tshark, skipping the test without it.
func needTshark(t *testing.T) string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): skipping the independent wire-format check")
	}
	return tshark
}

// writePcap creates the pcap file path and has write fill it.
func writePcap(t *testing.T, path string, write func(w *pcap.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcap.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	write(w)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// runTshark dissects file with SCTP over UDP port 9899 (RFC 6951 §5.1;
// tshark decodes SCTP over UDP only on a port it is told) and CRC32c
// verification on (RFC 9260 §6.8; tshark does not verify it by default).
func runTshark(t *testing.T, tshark, file string) []tsharkFrame {
	t.Helper()
	return runTsharkOn(t, tshark, file, 9899)
}

// runTsharkOn is runTshark with SCTP over UDP port port, also reporting
// the tshark fields extra of every frame.
func runTsharkOn(t *testing.T, tshark, file string, port uint16, extra ...string) []tsharkFrame {
	t.Helper()
	args := []string{"-n", "-r", file,
		"-o", "sctp.checksum:crc-32c", "-d", "udp.port==" + strconv.Itoa(int(port)) + ",sctp",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "frame.number", "-e", "sctp.checksum.status", "-e", "_ws.malformed",
		"-e", "sctp.chunk_type", "-e", "_ws.expert.severity", "-e", "udp.srcport"}
	for _, e := range extra {
		args = append(args, "-e", e)
	}
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	var frames []tsharkFrame
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 6+len(extra) {
			t.Fatalf("tshark line %q: want %d fields", line, 6+len(extra))
		}
		fr := tsharkFrame{number: f[0], checksumStatus: f[1], malformed: f[2] != "", srcPort: f[5], extra: f[6:]}
		if f[3] != "" {
			fr.chunkTypes = strings.Split(f[3], ",")
		}
		for _, s := range strings.Split(f[4], ",") {
			// Expert severity (printed in decimal): PI_ERROR is 0x00800000.
			if v, err := strconv.ParseUint(s, 0, 32); err == nil && v >= 0x00800000 {
				fr.expertErrors++
			}
		}
		frames = append(frames, fr)
	}
	return frames
}

// TestTsharkDissectsOurPackets writes one packet per entry of
// tsharkAllChunkPackets, over IPv4 and over IPv6, into a pcap and has tshark, an
// independent implementation, dissect them as SCTP over UDP with CRC32c
// verification: every frame must be SCTP with a good checksum, not
// malformed, without expert errors, and carry the chunk types we encoded.
func TestTsharkDissectsOurPackets(t *testing.T) {
	t.Parallel()
	tshark := needTshark(t)
	pkts := tsharkAllChunkPackets()
	covered := map[chunk.Type]bool{}
	for _, p := range pkts {
		for _, c := range p.chunks {
			covered[c.ChunkType()] = true
		}
	}
	for _, ty := range fuzz.ChunkTypes {
		if !covered[ty] {
			t.Errorf("chunk type %v missing from the tshark packets", ty)
		}
	}

	path := filepath.Join(t.TempDir(), "ours.pcap")
	if d := os.Getenv("KEEP_PCAP"); d != "" {
		path = d
	}
	type sent struct {
		name  string
		types []string
	}
	var want []sent
	writePcap(t, path, func(w *pcap.Writer) {
		ts := time.Unix(1764100000, 0)
		for i, fam := range [][2]string{{"127.0.0.1", "127.0.0.2"}, {"::1", "fd00::2"}} {
			src := netip.AddrPortFrom(netip.MustParseAddr(fam[0]), 40000)
			dst := netip.AddrPortFrom(netip.MustParseAddr(fam[1]), 9899)
			for _, p := range pkts {
				// Other SCTP ports per family, so that tshark's TSN analysis
				// does not take the IPv6 copies for retransmissions.
				b := tsharkEncodePacket(t, p, 5000+uint16(2*i), 5001+uint16(2*i))
				if err := w.WritePacket(ts, src, dst, b); err != nil {
					t.Fatal(err)
				}
				ts = ts.Add(time.Millisecond)
				var types []string
				for _, c := range p.chunks {
					types = append(types, strconv.Itoa(int(c.ChunkType())))
				}
				types = append(types, tsharkNestedChunks[p.name]...)
				want = append(want, sent{p.name + " over " + fam[0], types})
			}
		}
	})

	frames := runTshark(t, tshark, path)
	if len(frames) != len(want) {
		t.Fatalf("tshark read %d frames, wrote %d", len(frames), len(want))
	}
	for i, fr := range frames {
		w := want[i]
		if fr.checksumStatus != "1" {
			t.Errorf("%s: tshark checksum status %q, want 1 (good)", w.name, fr.checksumStatus)
		}
		if fr.malformed {
			t.Errorf("%s: tshark reports a malformed packet", w.name)
		}
		if fr.expertErrors != 0 {
			t.Errorf("%s: tshark reports %d expert errors", w.name, fr.expertErrors)
		}
		if !slices.Equal(fr.chunkTypes, w.types) {
			t.Errorf("%s: tshark sees chunk types %v, we sent %v", w.name, fr.chunkTypes, w.types)
		}
	}
	if t.Failed() {
		out, _ := exec.Command(tshark, "-n", "-r", path, "-o", "sctp.checksum:crc-32c", "-q", "-z", "expert,note").CombinedOutput()
		t.Logf("tshark expert summary:\n%s", out)
	}
}

// TestTsharkDetectsBadPackets is the control for the test above: a packet
// with a wrong CRC32c and one whose chunk length lies must be flagged by
// the same tshark invocation, so a silent tshark cannot pass the test.
func TestTsharkDetectsBadPackets(t *testing.T) {
	t.Parallel()
	tshark := needTshark(t)
	good := tsharkEncodePacket(t, tsharkPacket{"SHUTDOWN", 1, []chunk.Chunk{&chunk.Shutdown{CumTSNAck: 5}}}, 5000, 5001)
	badCRC := bytes.Clone(good)
	badCRC[8] ^= 0xff
	lying := bytes.Clone(good)
	lying[12+3] = 0x60 // SHUTDOWN chunk length 96 in a 8-byte chunk
	finalizePacket(lying)

	path := filepath.Join(t.TempDir(), "bad.pcap")
	writePcap(t, path, func(w *pcap.Writer) {
		a := netip.MustParseAddrPort("127.0.0.1:9899")
		for _, p := range [][]byte{good, badCRC, lying} {
			if err := w.WritePacket(time.Time{}, a, a, p); err != nil {
				t.Fatal(err)
			}
		}
	})
	fr := runTshark(t, tshark, path)
	if len(fr) != 3 {
		t.Fatalf("%d frames", len(fr))
	}
	if fr[0].checksumStatus != "1" || fr[0].malformed || fr[0].expertErrors != 0 {
		t.Errorf("good packet flagged: %+v", fr[0])
	}
	if fr[1].checksumStatus != "0" || fr[1].expertErrors == 0 {
		t.Errorf("bad CRC32c not flagged: %+v", fr[1])
	}
	if !fr[2].malformed && fr[2].expertErrors == 0 {
		t.Errorf("lying chunk length not flagged: %+v", fr[2])
	}
}
