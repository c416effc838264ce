package sctp

import (
	"testing"
)

// BenchmarkTwoEndpointsTransfer moves 1 KiB messages between two
// endpointCores back to back; reports allocations per message.
func BenchmarkTwoEndpointsTransfer(b *testing.B) {
	t := &testing.T{}
	pn := newPairNet(t)
	cfg := assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1452, sndBuf: 4 << 20, rwnd: 4 << 20}
	pn.eps[0].listen(7, cfg)
	client, _ := pn.eps[1].connect(pn.now, 0, pn.addrs[0], 7, cfg)
	for i := 0; i < 100 && pn.accepted() == nil; i++ {
		pn.step()
	}
	server := pn.accepted()
	if server == nil || client.currentState() != stateEstablished {
		b.Fatal("no association")
	}
	msg := make([]byte, 1024)
	pkt := make([]byte, 0, 2048)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for client.send(pn.now, outMessage{stream: uint16(i % 4), data: msg}) != nil {
			pn.pump(pkt)
			for {
				if _, ok := server.readMessage(); !ok {
					break
				}
			}
		}
	}
	pn.pump(pkt)
}

// pump exchanges datagrams without copying or collecting events.
func (pn *pairNet) pump(buf []byte) {
	for round := 0; round < 1000; round++ {
		moved := false
		for i, ep := range pn.eps {
			for k := 0; k < 64; k++ {
				pkt, to, ok := ep.appendDatagram(pn.now, buf[:0])
				if !ok {
					break
				}
				_ = to
				moved = true
				pn.eps[1-i].handleDatagram(pn.now, pn.addrs[i], pkt)
			}
			for {
				if _, ok := ep.pollEvent(); !ok {
					break
				}
			}
		}
		if !moved {
			d := pn.eps[0].deadline()
			if d1 := pn.eps[1].deadline(); !d1.IsZero() && (d.IsZero() || d1.Before(d)) {
				d = d1
			}
			if d.IsZero() {
				return
			}
			if d.After(pn.now) {
				pn.now = d
			}
			pn.eps[0].handleTimeout(pn.now)
			pn.eps[1].handleTimeout(pn.now)
			return
		}
	}
}
