// Package bufpool recycles byte buffers in power-of-two size classes, so
// that code copying messages and packets allocates only while its pool
// warms up, and keeps the memory its idle buffers hold bounded.
//
// # Size classes
//
// The classes are the powers of two from MinSize (64 B) to MaxSize (1 MiB):
// 64, 128, 256, …, 512 KiB, 1 MiB (NumClasses of them). Get(n) returns a
// buffer of length n whose capacity is the smallest class of at least n
// bytes (ClassSize(n)); a request above MaxSize is allocated with exactly n
// bytes and is never pooled.
//
// Put accepts only a buffer whose capacity is exactly a class size, which
// is what Get hands out; any other buffer (one sliced from the front, one
// that append moved to a new array, one the pool never saw, one above
// MaxSize) is ignored and left to the garbage collector, so it can never
// corrupt the pool. The length of a buffer given to Put does not matter.
// The caller must not use a buffer after Put, nor Put two slices sharing an
// array.
//
// # Limit
//
// A pool keeps idle buffers up to a limit in bytes (their capacities
// added up), set with SetLimit. A Put that would exceed it first drops
// idle buffers of larger classes to make room, else drops the buffer, so
// large buffers never crowd out small ones. The limit is never below MaxSize, so a buffer of the largest
// class can always be kept; the zero value's limit is MaxSize.
//
// # Types
//
// Classes has no lock: it belongs to one owner, such as the engine state of
// one association, that is never used by two goroutines at once. Shared is
// the same behind a sync.Mutex, for buffers handed between goroutines.
// Neither allocates per Get/Put pair once warmed up (sync.Pool does: it
// boxes each slice header on Put), and neither is a sync.Pool: what they
// keep stays until Release, SetLimit or the owner's end.
package bufpool

import (
	"math/bits"
	"sync"
)

// Size classes.
const (
	MinShift   = 6                       // log2 of the smallest class
	MaxShift   = 20                      // log2 of the largest class
	MinSize    = 1 << MinShift           // 64 B: the smallest class
	MaxSize    = 1 << MaxShift           // 1 MiB: the largest class; larger buffers are not pooled
	NumClasses = MaxShift - MinShift + 1 // 15
)

// class is the index of the smallest class holding n bytes, for
// 0 ≤ n ≤ MaxSize.
func class(n int) int {
	if n <= MinSize {
		return 0
	}
	return bits.Len(uint(n-1)) - MinShift
}

// isClassSize reports whether c is exactly the size of a class.
func isClassSize(c int) bool {
	return c >= MinSize && c <= MaxSize && c&(c-1) == 0
}

// ClassSize is the capacity of the buffer Get(n) returns: the smallest
// class of at least n bytes, or n itself above MaxSize.
func ClassSize(n int) int {
	if n > MaxSize {
		return n
	}
	return MinSize << class(n)
}

// Classes is a pool of byte buffers in size classes for a single owner; it
// is not safe for concurrent use. The zero value is ready to use with a
// limit of MaxSize idle bytes.
type Classes struct {
	free  [NumClasses][][]byte // idle buffers per class, each kept as b[:0]
	idle  int                  // bytes held by free (sum of capacities)
	limit int                  // bound on idle; below MaxSize means MaxSize
}

// SetLimit bounds the bytes the pool keeps in idle buffers; a limit below
// MaxSize is taken as MaxSize. If the pool already holds more, it drops
// idle buffers, largest first, until it is within the new limit.
func (p *Classes) SetLimit(bytes int) {
	p.limit = max(bytes, MaxSize)
	for c := NumClasses - 1; c >= 0 && p.idle > p.limit; c-- {
		for len(p.free[c]) > 0 && p.idle > p.limit {
			p.pop(c)
		}
	}
}

// Limit is the bound on idle bytes in force.
func (p *Classes) Limit() int { return max(p.limit, MaxSize) }

// IdleBytes is the memory held by idle buffers: the sum of their
// capacities.
func (p *Classes) IdleBytes() int { return p.idle }

// Get returns a buffer of length n (n ≥ 0). Its capacity is ClassSize(n);
// its contents are whatever the previous user left.
func (p *Classes) Get(n int) []byte {
	if n > MaxSize {
		return make([]byte, n)
	}
	c := class(n)
	if b := p.pop(c); b != nil {
		return b[:n]
	}
	return make([]byte, n, MinSize<<c)
}

// Put gives b back to the pool, which keeps it if its capacity is a class
// size and the limit allows; b must not be used afterwards.
func (p *Classes) Put(b []byte) {
	if isClassSize(cap(b)) {
		p.push(b)
	}
}

// Release drops every idle buffer, for when the owner goes idle or away.
// The pool stays usable with the same limit.
func (p *Classes) Release() {
	for c := range p.free {
		clear(p.free[c])
		p.free[c] = nil
	}
	p.idle = 0
}

// pop takes an idle buffer of class c, or returns nil.
func (p *Classes) pop(c int) []byte {
	l := len(p.free[c])
	if l == 0 {
		return nil
	}
	b := p.free[c][l-1]
	p.free[c][l-1] = nil // the free list must not keep it reachable
	p.free[c] = p.free[c][:l-1]
	p.idle -= cap(b)
	return b
}

// push keeps b, whose capacity is a class size, within the limit. When the
// limit is reached it first drops idle buffers of larger classes, largest
// first: a burst of large buffers must not keep the smaller ones, usually
// the many, from being recycled (else every small Get would allocate until
// the large sizes were asked for again). A buffer is only dropped when the
// idle bytes of its own and smaller classes fill the limit.
func (p *Classes) push(b []byte) {
	n := cap(b)
	c := class(n)
	for big := NumClasses - 1; big > c && p.idle+n > p.Limit(); big-- {
		for len(p.free[big]) > 0 && p.idle+n > p.Limit() {
			p.pop(big)
		}
	}
	if p.idle+n > p.Limit() {
		return
	}
	p.free[c] = append(p.free[c], b[:0])
	p.idle += n
}

// Shared is Classes behind a mutex, safe for concurrent use: a buffer may
// be taken by one goroutine and given back by another. Allocation and the
// checks on Put happen outside the lock. The zero value is ready to use
// with a limit of MaxSize idle bytes.
type Shared struct {
	mu sync.Mutex
	c  Classes
}

// SetLimit is Classes.SetLimit.
func (p *Shared) SetLimit(bytes int) {
	p.mu.Lock()
	p.c.SetLimit(bytes)
	p.mu.Unlock()
}

// Limit is Classes.Limit.
func (p *Shared) Limit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c.Limit()
}

// IdleBytes is Classes.IdleBytes.
func (p *Shared) IdleBytes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c.idle
}

// Get is Classes.Get.
func (p *Shared) Get(n int) []byte {
	if n > MaxSize {
		return make([]byte, n)
	}
	c := class(n)
	p.mu.Lock()
	b := p.c.pop(c)
	p.mu.Unlock()
	if b != nil {
		return b[:n]
	}
	return make([]byte, n, MinSize<<c)
}

// Put is Classes.Put.
func (p *Shared) Put(b []byte) {
	if !isClassSize(cap(b)) {
		return
	}
	p.mu.Lock()
	p.c.push(b)
	p.mu.Unlock()
}

// PutAll is Put for every buffer of bs under one lock: a caller that
// frees a batch (the loop, after handing a batch of messages on) takes the
// lock once, not once per buffer. bs is left as it was; the caller clears it.
func (p *Shared) PutAll(bs [][]byte) {
	if len(bs) == 0 {
		return
	}
	p.mu.Lock()
	for _, b := range bs {
		if isClassSize(cap(b)) {
			p.c.push(b)
		}
	}
	p.mu.Unlock()
}

// Release is Classes.Release.
func (p *Shared) Release() {
	p.mu.Lock()
	p.c.Release()
	p.mu.Unlock()
}
