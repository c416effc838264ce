package udpencap

import "sync"

// Pool is a free list of fixed-size byte buffers. Get and Put do not
// allocate once the pool has warmed up (unlike sync.Pool with slices, which
// boxes the slice header on every Put). Safe for concurrent use.
type Pool struct {
	size int
	mu   sync.Mutex
	free [][]byte
	max  int
}

// NewPool returns a pool of buffers of size bytes that keeps at most
// maxFree idle buffers (0 means 1024).
func NewPool(size, maxFree int) *Pool {
	if size <= 0 {
		panic("BUG: udpencap.NewPool size must be positive")
	}
	if maxFree <= 0 {
		maxFree = 1024
	}
	return &Pool{size: size, max: maxFree}
}

// Size is the length of every buffer handed out by Get.
func (p *Pool) Size() int { return p.size }

// Get returns a buffer of length Size.
func (p *Pool) Get() []byte {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return b[:p.size]
	}
	p.mu.Unlock()
	return make([]byte, p.size)
}

// Put returns b to the pool. Buffers of another capacity are ignored, so a
// foreign or resliced buffer can never corrupt the pool.
func (p *Pool) Put(b []byte) {
	if cap(b) != p.size {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, b[:p.size])
	}
	p.mu.Unlock()
}
