package sctp

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// BenchmarkEndpointLoopback streams 1200-byte messages from one endpoint to
// another over real UDP on 127.0.0.1 (batched I/O, GSO/GRO where the kernel
// has them); allocs/op is per message, both sides included.
func BenchmarkEndpointLoopback(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []udpencap.Option
	}{
		{"gso+gro", nil},
		{"batch", []udpencap.Option{udpencap.WithoutGSO(), udpencap.WithoutGRO()}},
		{"single", []udpencap.Option{udpencap.WithoutBatch()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			mk := func() *Endpoint {
				e, err := NewEndpoint("udp4", netip.MustParseAddrPort("127.0.0.1:0"), EndpointConfig{UDPOptions: c.opts})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { e.Close() })
				return e
			}
			srv, cli := mk(), mk()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := srv.Listen(9, 1); err != nil {
				b.Fatal(err)
			}
			h, err := cli.Connect(ctx, srv.LocalAddr(), 9)
			if err != nil {
				b.Fatal(err)
			}
			s, err := srv.Accept(ctx, 9)
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan int)
			go func() {
				buf := make([]byte, 2048)
				n := 0
				for {
					if _, _, err := s.Recv(ctx, buf); err != nil {
						done <- n
						return
					}
					n++
				}
			}()
			msg := make([]byte, 1200)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := h.Send(ctx, msg, SendParams{}); err != nil {
					b.Fatal(err)
				}
			}
			// RFC 9260 §6.2: a SACK at least every second DATA packet,
			// also when the runtime reads datagrams in batches.
			if st, err := s.Stats(); err == nil && st.PacketsIn > 0 {
				b.ReportMetric(float64(st.SacksOut)/float64(st.PacketsIn), "sacks/pkt")
			}
			h.Shutdown()
			got := <-done
			b.StopTimer()
			if got != b.N {
				b.Fatalf("received %d of %d", got, b.N)
			}
		})
	}
}
