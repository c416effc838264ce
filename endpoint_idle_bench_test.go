package sctp

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkEndpointManyIdle streams 1200-byte messages over one association
// between two real UDP endpoints on 127.0.0.1 that also hold 1,000 idle
// associations: the loop's per-pass work must not grow with them.
func BenchmarkEndpointManyIdle(b *testing.B) {
	for _, idle := range []int{0, 1000} {
		b.Run(map[int]string{0: "idle=0", 1000: "idle=1000"}[idle], func(b *testing.B) {
			mk := func() *Endpoint {
				e, err := NewEndpoint("udp4", netip.MustParseAddrPort("127.0.0.1:0"), EndpointConfig{})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { e.Close() })
				return e
			}
			srv, cli := mk(), mk()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := srv.Listen(9, idle+1); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < idle; i++ {
				if _, err := cli.Connect(ctx, srv.LocalAddr(), 9); err != nil {
					b.Fatalf("Connect %d: %v", i, err)
				}
				if _, err := srv.Accept(ctx, 9); err != nil {
					b.Fatal(err)
				}
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
			h.Shutdown()
			got := <-done
			b.StopTimer()
			if got != b.N {
				b.Fatalf("received %d of %d", got, b.N)
			}
			st, err := srv.Stats()
			if err != nil {
				b.Fatal(err)
			}
			if st.Associations != idle {
				b.Fatalf("server holds %d associations, want %d idle", st.Associations, idle)
			}
		})
	}
}
