package sctp

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkManyAssociations: 1,000 active associations between two
// endpoints in this process, each echoing 256-byte messages with one
// message in flight per association (1,000 concurrent request/replies),
// the endpoints unsharded or sharded (shard groups, runtime_shard.go).
// Compare -cpu 1,2: the aggregate throughput at 2 over 1 is how well the
// protocol work spreads over cores. Setting up 1,000 associations takes
// a while, so give a count:
//
//	go test -run XXX -bench ManyAssociations -cpu 1,2 -benchtime 100000x .
func BenchmarkManyAssociations(b *testing.B) {
	for _, shards := range []int{1, 2} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			benchManyAssociations(b, benchAssocs, shards, 256)
		})
	}
}

func benchManyAssociations(b *testing.B, assocs, shards, size int) {
	if shards > 1 && !reusePortSteering {
		b.Skip("no SO_REUSEPORT steering on this system")
	}
	open := func() *shardGroup {
		g, err := newShardGroup("udp4", netip.MustParseAddrPort("127.0.0.1:0"), shards, runnerConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { g.close() })
		return g
	}
	srv, cli := open(), open()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := srv.listen(9, assocConfig{}, 0); err != nil {
		b.Fatal(err)
	}
	// Handshakes, 64 at a time; the server side echoes from the start.
	clients := make([]*assocHandle, assocs)
	var setup sync.WaitGroup
	sem := make(chan struct{}, 64)
	errs := make(chan error, assocs)
	for i := range clients {
		setup.Add(1)
		sem <- struct{}{}
		go func() {
			defer setup.Done()
			defer func() { <-sem }()
			h, err := cli.connect(0, srv.localAddr(), 9, assocConfig{})
			if err == nil {
				err = h.waitEstablished(ctx)
			}
			clients[i] = h
			if err != nil {
				errs <- err
			}
		}()
	}
	var echoes sync.WaitGroup
	go func() {
		for range assocs {
			h, err := srv.accept(ctx, 9)
			if err != nil {
				errs <- err
				return
			}
			echoes.Add(1)
			go func() {
				defer echoes.Done()
				for {
					d, err := nextMessage(ctx, h)
					if err != nil {
						return
					}
					err = h.send(ctx, outMessage{data: d.msg})
					h.recycle(d.msg)
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	setup.Wait()
	select {
	case err := <-errs:
		b.Fatalf("setup: %v", err)
	default:
	}
	msg := make([]byte, size)
	var left atomic.Int64
	left.Store(int64(b.N))
	b.SetBytes(int64(2 * size)) // per round trip: the request and its echo
	b.ReportAllocs()
	b.ResetTimer()
	var run sync.WaitGroup
	for _, h := range clients {
		run.Add(1)
		go func() {
			defer run.Done()
			for left.Add(-1) >= 0 {
				if err := h.send(ctx, outMessage{data: msg}); err != nil {
					errs <- err
					return
				}
				d, err := nextMessage(ctx, h)
				if err != nil {
					errs <- err
					return
				}
				h.recycle(d.msg)
			}
		}()
	}
	run.Wait()
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatalf("run: %v", err)
	default:
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "RT/s")
	cancel()
	echoes.Wait()
}

// benchAssocs is the number of associations of BenchmarkManyAssociations
// (environment SCTP_BENCH_ASSOCS, default 1,000).
var benchAssocs = func() int {
	if n, err := strconv.Atoi(os.Getenv("SCTP_BENCH_ASSOCS")); err == nil && n > 0 {
		return n
	}
	return 1000
}()
