package pcap_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/usctp/sctp/internal/pcap"
)

// A capture of both directions of a conversation, read back. With a file
// instead of the buffer, `tshark -r FILE -o sctp.checksum:crc-32c` shows
// the SCTP packets (add `-d udp.port==PORT,sctp` for ports other than 9899).
func Example() {
	var file bytes.Buffer // an *os.File in real use
	w, err := pcap.NewWriter(&file)
	if err != nil {
		panic(err)
	}
	local := netip.MustParseAddrPort("127.0.0.1:9899")
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	sctpPacket := []byte{0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4}
	_ = w.WritePacket(time.Now(), local, peer, sctpPacket) // sent
	_ = w.WritePacket(time.Now(), peer, local, sctpPacket) // received

	ds, err := pcap.ReadDatagrams(&file)
	if err != nil {
		panic(err)
	}
	for _, d := range ds {
		fmt.Println(d.Src, "->", d.Dst, len(d.Payload), "bytes")
	}
	// Output:
	// 127.0.0.1:9899 -> 127.0.0.1:40000 16 bytes
	// 127.0.0.1:40000 -> 127.0.0.1:9899 16 bytes
}
