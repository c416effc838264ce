package sctp

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// benchEndpoints returns two endpoints on free UDP ports of 127.0.0.1, the
// server listening on SCTP port 9 with the given backlog, and a context
// bounding the benchmark.
func benchEndpoints(b *testing.B, backlog int, opts []udpencap.Option) (srv, cli *runner, ctx context.Context) {
	mk := func() *runner {
		e, err := newRunner("udp4", netip.MustParseAddrPort("127.0.0.1:0"), runnerConfig{UDPOptions: opts})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { e.close() })
		return e
	}
	srv, cli = mk(), mk()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	if err := srv.listenDefaults(9, backlog); err != nil {
		b.Fatal(err)
	}
	return srv, cli, ctx
}

// benchConnect sets up one association from cli to srv.
func benchConnect(b *testing.B, ctx context.Context, srv, cli *runner) (h, s *assocHandle) {
	return connectAccept(b, ctx, cli, srv, 9)
}

// benchStream sends b.N 1200-byte messages from h to s, reports the SACKs
// per received packet (RFC 9260 §6.2: at least one every second DATA
// packet, also when the runtime reads datagrams in batches), shuts down,
// and checks that every message arrived.
func benchStream(b *testing.B, ctx context.Context, h, s *assocHandle) {
	done := make(chan int)
	go func() {
		buf := make([]byte, 2048)
		n := 0
		for {
			if _, _, err := s.recv(ctx, buf); err != nil {
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
		if err := h.send(ctx, outMessage{data: msg}); err != nil {
			b.Fatal(err)
		}
	}
	if st, err := s.stats(); err == nil && st.PacketsIn > 0 {
		b.ReportMetric(float64(st.SacksOut)/float64(st.PacketsIn), "sacks/pkt")
	}
	h.shutdown()
	got := <-done
	b.StopTimer()
	if got != b.N {
		b.Fatalf("received %d of %d", got, b.N)
	}
}

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
			srv, cli, ctx := benchEndpoints(b, 1, c.opts)
			h, s := benchConnect(b, ctx, srv, cli)
			benchStream(b, ctx, h, s)
		})
	}
}

// BenchmarkEndpointManyIdle streams 1200-byte messages over one association
// between two real UDP endpoints on 127.0.0.1 that also hold 1,000 idle
// associations: the loop's per-pass work must not grow with them.
func BenchmarkEndpointManyIdle(b *testing.B) {
	for _, idle := range []int{0, 1000} {
		b.Run(map[int]string{0: "idle=0", 1000: "idle=1000"}[idle], func(b *testing.B) {
			srv, cli, ctx := benchEndpoints(b, idle+1, nil)
			for i := 0; i < idle; i++ {
				benchConnect(b, ctx, srv, cli)
			}
			h, s := benchConnect(b, ctx, srv, cli)
			benchStream(b, ctx, h, s)
			st, err := srv.stats()
			if err != nil {
				b.Fatal(err)
			}
			if st.Associations != idle {
				b.Fatalf("server holds %d associations, want %d idle", st.Associations, idle)
			}
		})
	}
}

// BenchmarkRuntimeTransfer is the runtime (runner/assocHandle, below the
// socket API) over real UDP on 127.0.0.1: one goroutine sends 1200-byte
// messages with assocHandle.send, another receives them with
// assocHandle.recv. It reports the datagrams moved per send and receive
// system call of both sockets (the batching the loop achieves) and
// allocs/op.
func BenchmarkRuntimeTransfer(b *testing.B) {
	for _, size := range []int{1200, 64 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			lo := netip.MustParseAddrPort("127.0.0.1:0")
			cfg := runnerConfig{LoggerFactory: quietLogger()}
			srv, err := newRunner("udp4", lo, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.close()
			cli, err := newRunner("udp4", lo, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer cli.close()
			if err := srv.listenDefaults(7, 1); err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ca, sa := connectAccept(b, ctx, cli, srv, 7)
			msg := make([]byte, size)
			// Bytes, not messages: a message larger than a share of the
			// receive window is handed out in parts (partial delivery).
			got := make(chan int, 1)
			total := b.N * size
			go func() {
				buf := make([]byte, size)
				n := 0
				for n < total {
					k, _, err := sa.recv(ctx, buf)
					if err != nil {
						break
					}
					n += k
				}
				got <- n
			}()
			s0, _ := srv.stats()
			c0, _ := cli.stats()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := ca.send(ctx, outMessage{data: msg}); err != nil {
					cs, _ := ca.stats()
					ss, _ := sa.stats()
					b.Fatalf("message %d of %d: %v\nclient %+v\nserver %+v", i, b.N, err, cs, ss)
				}
			}
			n := <-got
			b.StopTimer()
			if n != total {
				b.Fatalf("%d of %d bytes received", n, total)
			}
			s1, _ := srv.stats()
			c1, _ := cli.stats()
			if testing.Verbose() {
				cs, _ := ca.stats()
				b.Logf("N=%d client %+v", b.N, cs)
			}
			w := float64(c1.Socket.DatagramsWritten-c0.Socket.DatagramsWritten+s1.Socket.DatagramsWritten-s0.Socket.DatagramsWritten) /
				float64(max(1, c1.Socket.WriteCalls-c0.Socket.WriteCalls+s1.Socket.WriteCalls-s0.Socket.WriteCalls))
			r := float64(c1.Socket.DatagramsRead-c0.Socket.DatagramsRead+s1.Socket.DatagramsRead-s0.Socket.DatagramsRead) /
				float64(max(1, c1.Socket.ReadCalls-c0.Socket.ReadCalls+s1.Socket.ReadCalls-s0.Socket.ReadCalls))
			b.ReportMetric(w, "dgrams/write")
			b.ReportMetric(r, "dgrams/read")
			b.ReportMetric(float64(c1.Socket.DatagramsWritten-c0.Socket.DatagramsWritten)/float64(b.N), "pkts/msg")
			b.ReportMetric(float64(c1.Socket.GSOSends-c0.Socket.GSOSends)/float64(max(1, c1.Socket.WriteCalls-c0.Socket.WriteCalls)), "GSO/cli-write")
		})
	}
}
