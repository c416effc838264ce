package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/usctp/sctp/udpencap"
)

var errNoKernelSupport = errors.New("kernel fast path not available")

// rawUDPBatch measures the loopback ceiling with the project's udpencap
// sockets: 64 datagrams per WriteBatch/ReadBatch (sendmmsg/recvmmsg), and
// with gso also UDP GSO on send and GRO on receive. Loopback drops what the
// receiver cannot take, so the figure is goodput.
func rawUDPBatch(gso bool) func(s scenario) result {
	return func(s scenario) result {
		var opts []udpencap.Option
		if !gso {
			opts = append(opts, udpencap.WithoutGSO(), udpencap.WithoutGRO())
		}
		lo := netip.MustParseAddrPort("127.0.0.1:0")
		rx, err := udpencap.Listen("udp4", lo, opts...)
		if err != nil {
			return result{err: err}
		}
		defer rx.Close()
		tx, err := udpencap.Listen("udp4", lo, opts...)
		if err != nil {
			return result{err: err}
		}
		defer tx.Close()
		if caps := tx.Capabilities(); !caps.Batch || (gso && !caps.GSO) {
			return result{err: errNoKernelSupport}
		}
		size := min(s.size, udpencap.MaxDatagram)
		const k = 64
		var rcv received
		done := make(chan struct{})
		go func() {
			defer close(done)
			in := make([]udpencap.Message, k)
			for i := range in {
				in[i].Buf = make([]byte, 65536)
			}
			for {
				n, err := rx.ReadBatch(in)
				if err != nil {
					return
				}
				var b int64
				for i := range in[:n] {
					b += int64(in[i].N)
				}
				rcv.bytes.Add(b)
				rcv.msgs.Add(int64(n))
			}
		}()
		out := make([]udpencap.Message, k)
		payload := make([]byte, size)
		for i := range out {
			out[i] = udpencap.Message{Buf: payload, Addr: rx.LocalAddr()}
		}
		elapsed, cpu := saturate(s.dur, 8, func() { _, _ = tx.WriteBatch(out) })
		rx.Close()
		<-done
		note := ""
		if gso {
			st := rx.Stats()
			if st.DatagramsRead > 0 {
				note = fmt.Sprintf("%d GSO sends, %d GRO-coalesced reads", tx.Stats().GSOSends, st.GROCoalesced)
			}
		}
		res := rcv.result(elapsed, cpu)
		res.note = note
		return res
	}
}
