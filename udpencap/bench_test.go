package udpencap

import "testing"

// BenchmarkLoopback1200 moves 64 datagrams of 1200 bytes per iteration from
// one socket to another over 127.0.0.1 (write the batch, then read it all
// back), comparing one datagram per syscall, sendmmsg/recvmmsg, GSO, and
// GSO+GRO.
func BenchmarkLoopback1200(b *testing.B) {
	cases := []struct {
		name string
		opts []Option
	}{
		{"single", []Option{WithoutBatch()}},
		{"batch", []Option{WithoutGSO(), WithoutGRO()}},
		{"gso", []Option{WithoutGRO()}},
		{"gso+gro", nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			const k = 64
			tx, rx, round := loopbackRound(b, k, c.opts...)
			b.SetBytes(k * 1200)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				round()
			}
			b.StopTimer()
			st := tx.Stats()
			b.ReportMetric(float64(st.WriteCalls)/float64(st.DatagramsWritten), "wsyscalls/dgram")
			r := rx.Stats()
			b.ReportMetric(float64(r.ReadCalls)/float64(r.DatagramsRead), "rsyscalls/dgram")
		})
	}
}
