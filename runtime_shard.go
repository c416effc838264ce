package sctp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync/atomic"

	"github.com/usctp/sctp/udpencap"
)

// More than one core per endpoint (issue 16): a shard group is n runners,
// each a whole endpoint with its own owner lock, timer, reader and UDP
// socket, all bound to ONE UDP port with SO_REUSEPORT (RFC 6951 §5.1: one
// local encapsulation port for every association). The kernel steers each
// datagram to a socket (runtime_shard_linux.go: a classic BPF program on
// the port's reuseport group):
//
//	Verification Tag ≠ 0        → shard  tag mod n
//	Verification Tag = 0 (INIT) → shard  source SCTP port mod n
//
// Each shard chooses its own verification tags ≡ its index (mod n)
// (endpointConfig.shard), so every packet of an association — COOKIE
// ECHO included, which carries the tag of the shard that made the cookie
// — reaches the shard that owns it, with no hand-off between shards and
// no shared state: cookie secrets, tables, timers stay per shard. A
// connect from local SCTP port p runs on shard p mod n (an ephemeral port
// is chosen by a round-robin shard among its own ports ≡ index mod n), so
// two associations between the same pair of ports always meet in one
// shard, which detects the duplicate as an unsharded endpoint would.
//
// Known limits, each rare: packets whose tag is not ours (the T bit of
// ABORT and SHUTDOWN COMPLETE, RFC 9260 §8.5.1) are steered by the peer's
// tag and reach a shard that treats them as out of the blue; an INIT that
// collides with our own INIT (§5.2.1) or restarts an association (§5.2.2)
// from another source port than the association's lands on the shard of
// its source port. Where SO_REUSEPORT steering is unavailable (not Linux),
// a group has one shard.

// shardGroup is a sharded endpoint: n runners on one UDP port.
type shardGroup struct {
	rs   []*runner
	next atomic.Uint32 // round robin for ephemeral connects and accepts
}

// newShardGroup opens n runners on laddr sharing its UDP port (port 0:
// the first socket's port). n ≤ 1, or a system without reuseport
// steering, gives one runner.
func newShardGroup(network string, laddr netip.AddrPort, n int, cfg runnerConfig) (*shardGroup, error) {
	if n < 1 || !reusePortSteering {
		n = 1
	}
	if n > 256 {
		return nil, fmt.Errorf("%w: %d shards (at most 256)", ErrInvalidArgument, n)
	}
	g := &shardGroup{}
	for k := 0; k < n; k++ {
		c := cfg
		if n > 1 {
			c.shard, c.shards = uint32(k), uint32(n)
			c.UDPOptions = append(cfg.UDPOptions[:len(cfg.UDPOptions):len(cfg.UDPOptions)],
				udpencap.WithControl(reusePortControl(k == 0, n)))
		}
		r, err := newRunner(network, laddr, c)
		if err != nil {
			g.close()
			return nil, err
		}
		g.rs = append(g.rs, r)
		laddr = netip.AddrPortFrom(laddr.Addr(), r.localAddr().Port())
	}
	return g, nil
}

// localAddr is the shared UDP address.
func (g *shardGroup) localAddr() netip.AddrPort { return g.rs[0].localAddr() }

// close closes every shard.
func (g *shardGroup) close() error {
	if len(g.rs) == 1 {
		return g.rs[0].close()
	}
	var err error
	for _, r := range g.rs {
		err = errors.Join(err, r.close())
	}
	return err
}

// listen listens on port in every shard: an INIT may reach any of them.
func (g *shardGroup) listen(port uint16, cfg assocConfig, backlog int) error {
	ch := make(chan struct{}, 1)
	if len(g.rs) > 1 {
		if old := g.ready(port); old != nil {
			ch = old // listening already: new settings, same queues
		}
	}
	for _, r := range g.rs {
		if err := r.listen(port, cfg, backlog); err != nil {
			return err
		}
		if len(g.rs) > 1 {
			r.lmu.Lock()
			q := r.listeners[port]
			r.lmu.Unlock()
			q.mu.Lock()
			q.notify = ch
			if len(q.q) > 0 {
				signal(ch)
			}
			q.mu.Unlock()
		}
	}
	return nil
}

// unlisten stops listening on port in every shard.
func (g *shardGroup) unlisten(port uint16) error {
	var err error
	for _, r := range g.rs {
		err = errors.Join(err, r.unlisten(port))
	}
	return err
}

// accept returns the next association accepted on port by any shard,
// taking the shards in turn so none starves.
func (g *shardGroup) accept(ctx context.Context, port uint16) (*assocHandle, error) {
	if len(g.rs) == 1 {
		return g.rs[0].accept(ctx, port)
	}
	ch := g.ready(port)
	if ch == nil {
		return nil, fmt.Errorf("%w: SCTP port %d", ErrNotListening, port)
	}
	for {
		start := int(g.next.Add(1))
		for i := range g.rs {
			h, ok, err := g.rs[(start+i)%len(g.rs)].tryAccept(port)
			if err != nil {
				return nil, err
			}
			if ok {
				signal(ch) // another accepter may find the next one
				return h, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-g.rs[0].done:
			return nil, errEndpointClosed
		}
	}
}

// ready returns the channel every shard's accept queue of port signals
// (acceptQueue.notify), nil if port is not listening.
func (g *shardGroup) ready(port uint16) chan struct{} {
	r := g.rs[0]
	r.lmu.Lock()
	q := r.listeners[port]
	r.lmu.Unlock()
	if q == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.notify
}

// tryAccept takes the next association accepted on port without
// waiting (ok false: none queued).
func (r *runner) tryAccept(port uint16) (h *assocHandle, ok bool, err error) {
	r.lmu.Lock()
	q := r.listeners[port]
	r.lmu.Unlock()
	if q == nil {
		return nil, false, fmt.Errorf("%w: SCTP port %d", ErrNotListening, port)
	}
	q.mu.Lock()
	if len(q.q) == 0 {
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false, fmt.Errorf("%w: SCTP port %d", ErrNotListening, port)
		}
		return nil, false, nil
	}
	h = q.q[0]
	q.q[0] = nil
	q.q = q.q[1:]
	q.taken.Add(1)
	q.mu.Unlock()
	r.acceptTaken.Store(true)
	signal(r.wake)
	return h, true, nil
}

// connect starts an association from local SCTP port localPort (0:
// ephemeral) on the shard that owns that port.
func (g *shardGroup) connect(localPort uint16, remote netip.AddrPort, sctpPort uint16, cfg assocConfig) (*assocHandle, error) {
	return g.connectx(localPort, remote, nil, sctpPort, cfg)
}

// connectx is connect to a peer known by several addresses (RFC 6458
// §9.9): remote first, then more.
func (g *shardGroup) connectx(localPort uint16, remote netip.AddrPort, more []netip.Addr, sctpPort uint16, cfg assocConfig) (*assocHandle, error) {
	k := 0
	if n := len(g.rs); n > 1 {
		if localPort != 0 {
			k = int(localPort) % n
		} else {
			k = int(g.next.Add(1)) % n
		}
	}
	return g.rs[k].connectx(localPort, remote, more, sctpPort, cfg)
}

// stats sums the shards' counters.
func (g *shardGroup) stats() (StackStats, error) {
	if len(g.rs) == 1 {
		return g.rs[0].stats()
	}
	var sum StackStats
	for _, r := range g.rs {
		s, err := r.stats()
		if err != nil {
			return sum, err
		}
		sum.add(&s)
	}
	return sum, nil
}

// add adds o's counters to s (every uint64 and int field, the socket's
// included), as the stats of a shard group.
func (s *StackStats) add(o *StackStats) {
	addCounters(reflect.ValueOf(s).Elem(), reflect.ValueOf(o).Elem())
}

func addCounters(dst, src reflect.Value) {
	for i := range dst.NumField() {
		d, v := dst.Field(i), src.Field(i)
		switch d.Kind() {
		case reflect.Uint64:
			d.SetUint(d.Uint() + v.Uint())
		case reflect.Int:
			d.SetInt(d.Int() + v.Int())
		case reflect.Struct:
			addCounters(d, v)
		}
	}
}
