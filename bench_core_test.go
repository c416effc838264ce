package sctp

import (
	"testing"
)

// BenchmarkTwoEndpointsTransfer moves 1 KiB messages between two
// endpoints back to back; reports allocations per message.
func BenchmarkTwoEndpointsTransfer(b *testing.B) {
	pn := newBackToBack(b)
	client, server := pn.connect(assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1452, sndBuf: 4 << 20, rwnd: 4 << 20})
	pn.discard = true
	msg := make([]byte, 1024)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for client.send(pn.now(), outMessage{stream: uint16(i % 4), data: msg}) != nil {
			pn.pump()
			for {
				if _, ok := server.readMessage(); !ok {
					break
				}
			}
		}
	}
	pn.pump()
}
