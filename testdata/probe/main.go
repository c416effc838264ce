// Command probe drives a usrsctp echo_server over UDP encapsulation with
// hand-made packets (built with usctp's chunk encoders) to make usrsctp send
// the packets the example programs never send on their own: INIT ACK with
// an Unrecognized Parameter, SACK with gap blocks and duplicate TSNs, ERROR
// (Unrecognized Chunk Type, Invalid Stream Identifier), ABORT (No User
// Data, Invalid Mandatory Parameter). Only usrsctp's replies are golden
// vectors; see ../README.md and ../capture.sh.
//
//	go run ./testdata/probe -local 127.0.0.1:39900 -remote 127.0.0.1:39899
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"log"
	"net"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

const (
	localPort = 5000 // our SCTP port
	echoPort  = 7    // echo_server's SCTP port
	ourTag    = 0x0badcafe
	ourTSN    = 1000
)

var (
	conn   *net.UDPConn
	remote netip.AddrPort
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// send writes one SCTP packet: the common header (RFC 9260 §3.1) and the
// chunks, with the CRC32c stored little-endian (§6.8, Appendix B).
func send(vtag uint32, cs ...chunk.Chunk) {
	b := binary.BigEndian.AppendUint16(nil, localPort)
	b = binary.BigEndian.AppendUint16(b, echoPort)
	b = binary.BigEndian.AppendUint32(b, vtag)
	b = append(b, 0, 0, 0, 0)
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, castagnoli))
	if _, err := conn.WriteToUDPAddrPort(b, remote); err != nil {
		log.Fatal(err)
	}
}

// recv returns the chunks of the next packets until want is seen or the
// deadline passes; it prints what arrives.
func recv(want chunk.Type, d time.Duration) (chunk.Raw, bool) {
	deadline := time.Now().Add(d)
	buf := make([]byte, 65536)
	for {
		if err := conn.SetReadDeadline(deadline); err != nil {
			log.Fatal(err)
		}
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return chunk.Raw{}, false
		}
		pkt := append([]byte(nil), buf[:n]...)
		if n < 12 {
			log.Printf("bad packet: %d bytes", n)
			continue
		}
		sum := binary.LittleEndian.Uint32(pkt[8:])
		clear(pkt[8:12])
		if crc32.Checksum(pkt, castagnoli) != sum {
			log.Printf("bad packet: CRC32c")
			continue
		}
		it := chunk.NewIter(pkt[12:])
		var found chunk.Raw
		ok := false
		for it.Next() {
			r := it.Chunk()
			fmt.Printf("  <- %v (%d bytes)\n", r.Type, len(r.Value))
			if r.Type == want && !ok {
				found, ok = r, true
			}
		}
		if ok {
			return found, true
		}
	}
}

func main() {
	local := flag.String("local", "127.0.0.1:39900", "our UDP address")
	rem := flag.String("remote", "127.0.0.1:39899", "echo_server's UDP encapsulation address")
	flag.Parse()
	remote = netip.MustParseAddrPort(*rem)
	var err error
	conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(*local)))
	if err != nil {
		log.Fatal(err)
	}

	// 1. INIT with a_rwnd 1000 (< 1500): usrsctp ABORTs, cause 7.
	fmt.Println("INIT a_rwnd 1000")
	send(0, &chunk.Init{InitiateTag: ourTag, ARwnd: 1000, OutStreams: 10, InStreams: 10, InitialTSN: ourTSN})
	recv(chunk.TypeAbort, time.Second)

	// 2. INIT with an unknown parameter whose type asks for skip + report
	//    (0xFFF0, RFC 9260 §3.2.1): the INIT ACK carries an Unrecognized
	//    Parameter. Only IPv4 supported, so its address list is short.
	fmt.Println("INIT with unknown parameter 0xfff0")
	params := chunk.AppendParam(nil, 0xfff0, []byte("probe"))
	params = (&chunk.SupportedAddrTypesParam{IPv4: true}).AppendTo(params)
	send(0, &chunk.Init{InitiateTag: ourTag, ARwnd: 65536, OutStreams: 10, InStreams: 10, InitialTSN: ourTSN, Params: params})
	r, ok := recv(chunk.TypeInitAck, 2*time.Second)
	if !ok {
		log.Fatal("no INIT ACK")
	}
	var ack chunk.InitAck
	if err := ack.Decode(r); err != nil {
		log.Fatal(err)
	}
	peerTag := ack.InitiateTag
	peerTSN := ack.InitialTSN
	send(peerTag, &chunk.CookieEcho{Cookie: ack.Cookie()})
	if _, ok := recv(chunk.TypeCookieAck, 2*time.Second); !ok {
		log.Fatal("no COOKIE ACK")
	}
	_ = peerTSN

	// 3. DATA with a hole: TSN 1000, then 1002 → SACK with a gap block;
	//    1002 again → SACK with a duplicate TSN; then 1001.
	data := func(tsn uint32, ssn uint16, msg string) *chunk.Data {
		return &chunk.Data{Beginning: true, Ending: true, Immediate: true, TSN: tsn, Stream: 0, SSN: ssn, UserData: []byte(msg)}
	}
	fmt.Println("DATA 1000, 1002, 1002, 1001")
	send(peerTag, data(ourTSN, 0, "zero\n"))
	recv(chunk.TypeSack, 500*time.Millisecond)
	send(peerTag, data(ourTSN+2, 2, "two\n"))
	recv(chunk.TypeSack, 500*time.Millisecond)
	send(peerTag, data(ourTSN+2, 2, "two\n"))
	recv(chunk.TypeSack, 500*time.Millisecond)
	send(peerTag, data(ourTSN+1, 1, "one\n"))
	recv(chunk.TypeSack, 500*time.Millisecond)

	// 4. An unknown chunk type 0xBF (action 10: skip and report... 0xBF
	//    is 10111111: skip, no report) and 0xFF (11: skip and report)
	//    bundled with a HEARTBEAT: usrsctp answers ERROR cause 6 and a
	//    HEARTBEAT ACK.
	fmt.Println("unknown chunk 0xff + HEARTBEAT")
	unk := &chunk.Unknown{Raw: chunk.Raw{Type: 0xff, Flags: 0, Value: []byte("?!")}}
	send(peerTag, unk, &chunk.Heartbeat{Info: []byte("usctp probe heartbeat info")})
	recv(chunk.TypeError, time.Second)

	// 5. DATA on stream 20, beyond the 10 streams negotiated: ERROR cause 1.
	fmt.Println("DATA on stream 20")
	d := data(ourTSN+3, 0, "bad stream\n")
	d.Stream = 20
	send(peerTag, d)
	recv(chunk.TypeError, time.Second)

	// 6. DATA without user data: ABORT cause 9.
	fmt.Println("empty DATA")
	v := binary.BigEndian.AppendUint32(nil, ourTSN+4)
	v = append(v, 0, 0, 0, 3, 0, 0, 0, 0) // stream 0, SSN 3, PPID 0
	send(peerTag, &chunk.Unknown{Raw: chunk.Raw{Type: chunk.TypeData, Flags: 3, Value: v}})
	recv(chunk.TypeAbort, time.Second)
}
