// Package simnet is a deterministic in-memory datagram network for tests.
//
// It offers two drivers over one impairment model:
//
//   - Network hands out PacketConns (net.PacketConn plus the netip flavours of
//     UDPConn) for code that runs goroutines and timers. Delivery delays use
//     time.AfterFunc and readers block on a sync.Cond, so the whole network runs
//     on the fake clock of a testing/synctest bubble and readers count as
//     durably blocked.
//   - Sim is a sans-IO discrete-event driver with virtual time: no goroutines,
//     no real timers. It steps any set of Nodes (datagram in, deadline, timeout,
//     datagram out) and is fast enough to move hundreds of megabytes per test.
//
// Every directional link (from → to) has a LinkConfig: loss, delay and jitter,
// reordering, duplication, an MTU cap, a bandwidth cap with a bounded
// bottleneck queue, and a one-way partition switch. Links without their own
// configuration use the default configuration. All randomness comes from one
// math/rand/v2 source seeded by the caller, so a Sim run is a pure function of
// its seed and inputs.
package simnet

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"
)

// LinkConfig describes the impairments of one directional link. The zero value
// is a perfect link: no loss, no delay, unlimited MTU and bandwidth.
type LinkConfig struct {
	// Loss is the probability in [0,1] that a datagram is dropped.
	Loss float64
	// Delay is the fixed one-way propagation delay.
	Delay time.Duration
	// Jitter adds a uniformly distributed extra delay in [0, Jitter] to every
	// datagram. Jitter larger than the spacing of datagrams reorders them.
	Jitter time.Duration
	// Reorder is the probability that a datagram is held back by an extra
	// delay uniformly distributed in (0, ReorderDelay] (exactly ReorderDelay
	// with ReorderFixed), so that datagrams sent after it overtake it.
	Reorder float64
	// ReorderDelay bounds the extra delay of a reordered datagram. Zero means
	// 2*Delay + Jitter, at least 1 ms.
	ReorderDelay time.Duration
	// ReorderFixed holds every reordered datagram back exactly ReorderDelay
	// instead of a uniform share of it, as the lossy benchmark's relay does
	// (bench/relay.go): a hold-back then always outlasts a reordering
	// window shorter than ReorderDelay.
	ReorderFixed bool
	// Duplicate is the probability that a datagram is delivered twice; the
	// copy gets its own independently drawn jitter.
	Duplicate float64
	// MTU drops datagrams (UDP payloads) longer than MTU bytes. Zero means no
	// limit.
	MTU int
	// Bandwidth caps the link rate in bytes per second. Datagrams are
	// serialised one after another, so a burst queues at the link. Zero means
	// unlimited.
	Bandwidth int64
	// QueueBytes bounds the bottleneck queue of a bandwidth-capped link:
	// a datagram that would make the backlog exceed it is tail-dropped
	// (DropQueue). Zero means 256 KiB. Unused without Bandwidth.
	QueueBytes int
}

// DefaultQueueBytes is the bottleneck queue of a bandwidth-capped link when
// LinkConfig.QueueBytes is zero.
const DefaultQueueBytes = 256 << 10

// DefaultMaxInFlightBytes bounds the bytes scheduled for delivery but not yet
// delivered across a whole Network or Sim (see SetMaxInFlight).
const DefaultMaxInFlightBytes = 64 << 20

// MaxDatagram is the largest datagram accepted (the largest UDP payload).
const MaxDatagram = 65535

// DropReason says why a datagram was not delivered.
type DropReason uint8

// Drop reasons.
const (
	DropLoss      DropReason = iota // random loss (LinkConfig.Loss)
	DropMTU                         // longer than LinkConfig.MTU
	DropPartition                   // the link is partitioned
	DropQueue                       // bottleneck queue full or in-flight bound reached
	DropNoRoute                     // nothing attached at the destination on arrival
	DropRecvQueue                   // the receiving PacketConn's queue is full
	DropFilter                      // dropped by the FilterFunc
	NumDropReasons
)

var dropNames = [NumDropReasons]string{"loss", "mtu", "partition", "queue", "noroute", "recvqueue", "filter"}

func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Stats counts datagrams on a link or a whole network. Every datagram offered
// (Sent) plus every extra copy (Duplicated) is eventually either Delivered or
// Dropped, or is still in flight.
type Stats struct {
	Sent           uint64 // datagrams offered to the network
	SentBytes      uint64
	Delivered      uint64 // datagrams handed to a receiver (copies included)
	DeliveredBytes uint64
	Duplicated     uint64 // extra copies created by duplication
	Reordered      uint64 // datagrams held back by the reorder delay
	Dropped        [NumDropReasons]uint64
}

// TotalDropped is the sum of Dropped over all reasons.
func (s Stats) TotalDropped() uint64 {
	var n uint64
	for _, d := range s.Dropped {
		n += d
	}
	return n
}

// InFlight is the number of datagrams (copies included) neither delivered
// nor dropped yet.
func (s Stats) InFlight() uint64 {
	return s.Sent + s.Duplicated - s.Delivered - s.TotalDropped()
}

func (s Stats) String() string {
	return fmt.Sprintf("sent=%d delivered=%d dup=%d reordered=%d dropped=%v", s.Sent, s.Delivered, s.Duplicated, s.Reordered, s.Dropped)
}

// TapDir says at which point a tap sees a datagram.
type TapDir uint8

// Tap points.
const (
	TapSend    TapDir = iota // offered to the network by the sender
	TapDeliver               // handed to the receiver
	TapDrop                  // dropped (any reason); no delivery follows for this copy
)

func (d TapDir) String() string {
	switch d {
	case TapSend:
		return "send"
	case TapDeliver:
		return "deliver"
	case TapDrop:
		return "drop"
	}
	return fmt.Sprintf("TapDir(%d)", uint8(d))
}

// TapFunc observes datagrams for debugging (see NewPcapWriter). pkt must not be
// retained or modified after the call returns. A Network calls it with its
// lock held, so it must not call back into the Network.
type TapFunc func(now time.Time, dir TapDir, from, to netip.AddrPort, pkt []byte)

// FilterFunc decides per datagram, before the link model, whether to drop
// it (true) — for tests that must lose one particular packet. pkt must not be
// retained or modified.
type FilterFunc func(from, to netip.AddrPort, pkt []byte) (drop bool)

type linkKey struct{ from, to netip.AddrPort }

// linkState is a link with its own configuration, partition flag, bandwidth
// clock or statistics.
type linkState struct {
	cfg         *LinkConfig // nil: use the fabric's default
	partitioned bool
	busyUntil   int64 // bandwidth serialisation: the link is busy until this time (ns)
	stats       Stats
}

// fabric is the impairment model shared by Network and Sim. It is not safe
// for concurrent use; Network guards it with a mutex.
type fabric struct {
	rng         *rand.Rand
	def         LinkConfig
	defLink     linkState // bandwidth clock and stats of links without their own state (when def.Bandwidth == 0)
	links       map[linkKey]*linkState
	total       Stats
	inFlight    int64 // bytes scheduled, not yet delivered or dropped
	maxInFlight int64
	tap         TapFunc
	filter      FilterFunc
}

func newFabric(seed uint64) fabric {
	return fabric{
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		links:       make(map[linkKey]*linkState),
		maxInFlight: DefaultMaxInFlightBytes,
	}
}

// link finds the state of from → to. With create, a link without its own state
// gets one (needed for a partition flag or a per-link bandwidth clock).
func (f *fabric) link(from, to netip.AddrPort, create bool) *linkState {
	k := linkKey{from, to}
	if l := f.links[k]; l != nil {
		return l
	}
	if !create {
		return nil
	}
	l := &linkState{}
	f.links[k] = l
	return l
}

func (f *fabric) setLink(from, to netip.AddrPort, cfg LinkConfig) {
	l := f.link(from, to, true)
	c := cfg
	l.cfg = &c
}

func (f *fabric) clearLink(from, to netip.AddrPort) {
	if l := f.link(from, to, false); l != nil {
		l.cfg = nil
	}
}

func (f *fabric) setPartition(from, to netip.AddrPort, on bool) {
	f.link(from, to, true).partitioned = on
}

func (f *fabric) linkStats(from, to netip.AddrPort) Stats {
	if l := f.link(from, to, false); l != nil {
		return l.stats
	}
	return Stats{}
}

// filtered reports whether the filter drops the datagram, and accounts it.
func (f *fabric) filtered(from, to netip.AddrPort, pkt []byte) bool {
	if f.filter == nil || !f.filter(from, to, pkt) {
		return false
	}
	f.total.Sent++
	f.total.SentBytes += uint64(len(pkt))
	f.total.Dropped[DropFilter]++
	if l := f.link(from, to, false); l != nil {
		l.stats.Sent++
		l.stats.SentBytes += uint64(len(pkt))
		l.stats.Dropped[DropFilter]++
	}
	return true
}

// plan runs the impairment model for one datagram of size bytes sent at now
// (ns) from → to. It returns the delivery delays of n ∈ {0,1,2} copies; n == 0
// means the datagram was dropped for reason. The caller must later call
// delivered or dropped for each copy.
func (f *fabric) plan(now int64, from, to netip.AddrPort, size int) (delays [2]int64, n int, reason DropReason, l *linkState) {
	l = f.link(from, to, false)
	cfg := &f.def
	if l != nil && l.cfg != nil {
		cfg = l.cfg
	}
	if l == nil {
		if cfg.Bandwidth > 0 {
			// Each directional link has its own bandwidth clock.
			l = f.link(from, to, true)
		} else {
			l = &f.defLink
		}
	}
	f.total.Sent++
	f.total.SentBytes += uint64(size)
	l.stats.Sent++
	l.stats.SentBytes += uint64(size)
	drop := func(r DropReason) ([2]int64, int, DropReason, *linkState) {
		f.total.Dropped[r]++
		l.stats.Dropped[r]++
		return delays, 0, r, l
	}
	if l.partitioned {
		return drop(DropPartition)
	}
	if cfg.MTU > 0 && size > cfg.MTU {
		return drop(DropMTU)
	}
	if f.inFlight+int64(size) > f.maxInFlight {
		return drop(DropQueue)
	}
	var base int64
	if cfg.Bandwidth > 0 {
		q := int64(cfg.QueueBytes)
		if q <= 0 {
			q = DefaultQueueBytes
		}
		start := max(now, l.busyUntil)
		backlog := (start - now) * cfg.Bandwidth / int64(time.Second)
		if backlog+int64(size) > q {
			return drop(DropQueue)
		}
		tx := int64(size) * int64(time.Second) / cfg.Bandwidth
		l.busyUntil = start + tx
		base = l.busyUntil - now
	}
	if cfg.Loss > 0 && f.rng.Float64() < cfg.Loss {
		return drop(DropLoss)
	}
	base += int64(cfg.Delay)
	delays[0] = base + f.jitter(cfg)
	if cfg.Reorder > 0 && f.rng.Float64() < cfg.Reorder {
		rd := int64(cfg.ReorderDelay)
		if rd <= 0 {
			rd = max(int64(2*cfg.Delay+cfg.Jitter), int64(time.Millisecond))
		}
		if cfg.ReorderFixed {
			delays[0] += rd
		} else {
			delays[0] += 1 + f.rng.Int64N(rd)
		}
		f.total.Reordered++
		l.stats.Reordered++
	}
	n = 1
	if cfg.Duplicate > 0 && f.rng.Float64() < cfg.Duplicate && f.inFlight+2*int64(size) <= f.maxInFlight {
		delays[1] = base + f.jitter(cfg)
		n = 2
		f.total.Duplicated++
		l.stats.Duplicated++
	}
	f.inFlight += int64(n * size)
	return delays, n, 0, l
}

func (f *fabric) jitter(cfg *LinkConfig) int64 {
	if cfg.Jitter <= 0 {
		return 0
	}
	return f.rng.Int64N(int64(cfg.Jitter) + 1)
}

// delivered accounts one copy handed to its receiver.
func (f *fabric) delivered(l *linkState, size int) {
	f.inFlight -= int64(size)
	f.total.Delivered++
	f.total.DeliveredBytes += uint64(size)
	l.stats.Delivered++
	l.stats.DeliveredBytes += uint64(size)
}

// droppedLate accounts one in-flight copy dropped on arrival.
func (f *fabric) droppedLate(l *linkState, size int, r DropReason) {
	f.inFlight -= int64(size)
	f.total.Dropped[r]++
	l.stats.Dropped[r]++
}
