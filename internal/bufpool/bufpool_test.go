package bufpool

import (
	"fmt"
	"sync"
	"testing"
	"unsafe"
)

// pool is what Classes and Shared have in common; every behaviour test runs
// on both.
type pool interface {
	Get(n int) []byte
	Put(b []byte)
	Release()
	SetLimit(bytes int)
	Limit() int
	IdleBytes() int
}

// namedPool is a new, empty pool of one kind and the kind's name.
type namedPool struct {
	name string
	p    pool
}

func newPools() []namedPool {
	return []namedPool{{"Classes", new(Classes)}, {"Shared", new(Shared)}}
}

func forEachPool(t *testing.T, f func(t *testing.T, p pool)) {
	for _, np := range newPools() {
		t.Run(np.name, func(t *testing.T) { f(t, np.p) })
	}
}

func sameArray(a, b []byte) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }

func TestClassBoundaries(t *testing.T) {
	cases := []struct{ n, cap int }{
		{0, 64}, {1, 64}, {63, 64}, {64, 64}, {65, 128}, {127, 128}, {128, 128}, {129, 256},
		{1000, 1024}, {1024, 1024}, {1025, 2048}, {1500, 2048},
		{1 << 19, 1 << 19}, {1<<19 + 1, 1 << 20}, {MaxSize - 1, MaxSize}, {MaxSize, MaxSize},
		{MaxSize + 1, MaxSize + 1}, {3 << 20, 3 << 20}, // above the largest class: exact
	}
	// Every class: its size and one byte more.
	for k := range NumClasses {
		size := MinSize << k
		cases = append(cases, struct{ n, cap int }{size, size})
		if size < MaxSize {
			cases = append(cases, struct{ n, cap int }{size + 1, 2 * size})
		}
	}
	forEachPool(t, func(t *testing.T, p pool) {
		p.SetLimit(64 << 20)
		for _, c := range cases {
			if got := ClassSize(c.n); got != c.cap {
				t.Errorf("ClassSize(%d) = %d, want %d", c.n, got, c.cap)
			}
			b := p.Get(c.n)
			if len(b) != c.n || cap(b) != c.cap {
				t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", c.n, len(b), cap(b), c.n, c.cap)
			}
			before := p.IdleBytes()
			p.Put(b)
			want := before + c.cap
			if c.n > MaxSize {
				want = before // not pooled
			}
			if got := p.IdleBytes(); got != want {
				t.Errorf("Put of Get(%d): idle %d, want %d", c.n, got, want)
			}
		}
	})
}

// TestReuse: a buffer given back is handed out again for any request of its
// class, at the requested length (full length even when it was put back
// short), last in first out, and never for another class.
func TestReuse(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		b := p.Get(2048)
		p.Put(b[:10])
		c := p.Get(2048)
		if !sameArray(b, c) || len(c) != 2048 {
			t.Fatalf("Get after Put: same array %v, len %d; want the buffer again at length 2048", sameArray(b, c), len(c))
		}
		p.Put(c)
		if d := p.Get(1025); !sameArray(b, d) || len(d) != 1025 {
			t.Fatalf("Get(1025) in the same class: same array %v, len %d", sameArray(b, d), len(d))
		} else {
			p.Put(d)
		}
		if e := p.Get(1024); sameArray(b, e) || cap(e) != 1024 {
			t.Fatalf("Get(1024) from the class below: same array %v, cap %d", sameArray(b, e), cap(e))
		}
		if p.IdleBytes() != 2048 {
			t.Fatalf("idle %d, want 2048", p.IdleBytes())
		}

		x, y := p.Get(100), p.Get(100)
		p.Put(x)
		p.Put(y)
		if g := p.Get(100); !sameArray(g, y) {
			t.Fatal("not last in, first out")
		}
		if g := p.Get(100); !sameArray(g, x) {
			t.Fatal("second Get did not return the first buffer put")
		}
	})
}

// TestLimit: idle bytes never exceed the limit; buffers beyond it are
// dropped; the limit is at least MaxSize (also for the zero value); and
// lowering it drops idle buffers, largest first.
func TestLimit(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		if p.Limit() != MaxSize {
			t.Fatalf("zero value limit %d, want %d", p.Limit(), MaxSize)
		}
		const size, limit = 64 << 10, 4 << 20
		p.SetLimit(limit)
		var bufs [][]byte
		for range 100 {
			bufs = append(bufs, p.Get(size))
		}
		put := make(map[*byte]bool)
		for _, b := range bufs {
			if p.IdleBytes()+size <= limit {
				put[unsafe.SliceData(b)] = true
			}
			p.Put(b)
			if p.IdleBytes() > limit {
				t.Fatalf("idle %d above the limit %d", p.IdleBytes(), limit)
			}
		}
		if p.IdleBytes() != limit || len(put) != limit/size {
			t.Fatalf("idle %d with %d kept, want %d with %d", p.IdleBytes(), len(put), limit, limit/size)
		}
		for i := range limit / size {
			if b := p.Get(size); !put[unsafe.SliceData(b)] {
				t.Fatalf("Get %d: not one of the kept buffers", i)
			}
		}
		if b := p.Get(size); put[unsafe.SliceData(b)] || p.IdleBytes() != 0 {
			t.Fatalf("pool emptied: Get returned a kept buffer again (idle %d)", p.IdleBytes())
		}

		p.SetLimit(1)
		if p.Limit() != MaxSize {
			t.Fatalf("SetLimit(1): limit %d, want %d", p.Limit(), MaxSize)
		}
		p.Put(p.Get(MaxSize))
		p.Put(make([]byte, MaxSize))
		if p.IdleBytes() != MaxSize {
			t.Fatalf("two MaxSize buffers under a MaxSize limit: idle %d", p.IdleBytes())
		}

		p.SetLimit(8 << 20)
		p.Put(make([]byte, MaxSize))
		small := p.Get(size)
		p.Put(small)
		p.SetLimit(MaxSize) // 2 MiB + 64 KiB idle: both large buffers go, the small one stays
		if p.IdleBytes() != size {
			t.Fatalf("after lowering the limit: idle %d, want %d", p.IdleBytes(), size)
		}
		if b := p.Get(size); !sameArray(b, small) {
			t.Fatal("lowering the limit dropped the small buffer instead of the large ones")
		}
	})
}

// TestLargeDoNotCrowdOutSmall: once large buffers fill the limit, a small
// buffer given back makes room by dropping large ones, so small Get/Put
// pairs still allocate nothing; a large buffer never evicts smaller ones.
func TestLargeDoNotCrowdOutSmall(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		const limit, big, small = 8 << 20, 256 << 10, 1000
		p.SetLimit(limit)
		var bufs [][]byte
		for range limit / big {
			bufs = append(bufs, p.Get(big))
		}
		for _, b := range bufs {
			p.Put(b)
		}
		if p.IdleBytes() != limit {
			t.Fatalf("idle %d after the large burst, want %d", p.IdleBytes(), limit)
		}
		p.Put(p.Get(small))
		if a := testing.AllocsPerRun(100, func() { p.Put(p.Get(small)) }); a != 0 {
			t.Errorf("small Get/Put after a large burst: %v allocs per pair, want 0", a)
		}
		if p.IdleBytes() > limit {
			t.Fatalf("idle %d above the limit %d", p.IdleBytes(), limit)
		}

		p.Release()
		var smalls [][]byte
		for range limit / ClassSize(small) {
			smalls = append(smalls, p.Get(small))
		}
		for _, b := range smalls {
			p.Put(b)
		}
		p.Put(p.Get(big))
		if p.IdleBytes() != limit {
			t.Fatalf("idle %d, want the limit %d of small buffers", p.IdleBytes(), limit)
		}
		for i := range smalls {
			if b := p.Get(small); cap(b) != ClassSize(small) {
				t.Fatalf("small buffer %d: cap %d", i, cap(b))
			}
		}
		if p.IdleBytes() != 0 {
			t.Fatalf("a large buffer was kept by evicting small ones: idle %d", p.IdleBytes())
		}
	})
}

// TestForeignIgnored: Put ignores buffers whose capacity is not exactly a
// class size, so they are never handed out.
func TestForeignIgnored(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		own := p.Get(128)
		foreign := [][]byte{
			nil,
			make([]byte, 100),          // a size that is no class
			make([]byte, 0, 32),        // below the smallest class
			own[1:],                    // sliced from the front: capacity 127
			make([]byte, 2*MaxSize),    // above the largest class
			make([]byte, MaxSize+1),    // allocated exactly by Get above MaxSize
			p.Get(MaxSize + 1),         // ditto, from the pool
			make([]byte, 0, 3*MinSize), // not a power of two
		}
		for _, b := range foreign {
			p.Put(b)
			if p.IdleBytes() != 0 {
				t.Fatalf("Put of a buffer of capacity %d kept it", cap(b))
			}
		}
		for _, n := range []int{0, 32, 100, 127, 192} {
			b := p.Get(n)
			for _, f := range foreign {
				if cap(f) > 0 && sameArray(b, f) {
					t.Fatalf("Get(%d) handed out a foreign buffer of capacity %d", n, cap(f))
				}
			}
		}
	})
}

// TestRelease: Release drops every idle buffer and keeps the limit; the
// pool works as before afterwards.
func TestRelease(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		p.SetLimit(8 << 20)
		var held [][]byte
		for _, n := range []int{10, 100, 1000, 10000, 100000, MaxSize} {
			held = append(held, p.Get(n), p.Get(n))
		}
		for _, b := range held {
			p.Put(b)
		}
		if p.IdleBytes() == 0 {
			t.Fatal("setup: nothing pooled")
		}
		p.Release()
		if p.IdleBytes() != 0 || p.Limit() != 8<<20 {
			t.Fatalf("after Release: idle %d, limit %d", p.IdleBytes(), p.Limit())
		}
		for _, b := range held {
			if g := p.Get(cap(b)); sameArray(g, b) {
				t.Fatalf("Get(%d) after Release returned a released buffer", cap(b))
			}
		}
		b := p.Get(500)
		p.Put(b)
		if g := p.Get(500); !sameArray(g, b) {
			t.Fatal("no reuse after Release")
		}
	})
}

// TestNoAllocs: once warmed up, a Get/Put pair allocates nothing, in every
// class, including several buffers held at once.
func TestNoAllocs(t *testing.T) {
	forEachPool(t, func(t *testing.T, p pool) {
		p.SetLimit(8 << 20)
		for _, n := range []int{0, 100, 1500, 64 << 10, MaxSize} {
			p.Put(p.Get(n))
			if a := testing.AllocsPerRun(100, func() { p.Put(p.Get(n)) }); a != 0 {
				t.Errorf("Get(%d)/Put: %v allocs per pair, want 0", n, a)
			}
		}
		three := func() {
			a, b, c := p.Get(300), p.Get(300), p.Get(9000)
			p.Put(b)
			p.Put(a)
			p.Put(c)
		}
		three()
		if a := testing.AllocsPerRun(100, three); a != 0 {
			t.Errorf("three buffers held at once: %v allocs per run, want 0", a)
		}
	})
}

// TestSharedConcurrent has goroutines take buffers, fill them with their
// own mark, and give half of them back from another goroutine. A buffer
// handed to two holders at once shows as a foreign mark (and, under -race,
// as a data race); idle bytes stay within the limit throughout.
func TestSharedConcurrent(t *testing.T) {
	var p Shared
	p.SetLimit(2 << 20)
	const workers, rounds = 4, 2000
	sizes := []int{1, 64, 200, 1500, 4096, 70000}
	handoff := make(chan []byte, 16)
	errs := make(chan error, workers+1)
	var putters sync.WaitGroup
	putters.Add(1)
	go func() { // gives back what the workers hand over
		defer putters.Done()
		failed := false
		for b := range handoff {
			if i := checkMark(b, b[0]); i >= 0 && !failed {
				failed = true
				errs <- fmt.Errorf("handed-over buffer changed while held: byte %d is %d, not %d", i, b[i], b[0])
			}
			p.Put(b)
		}
	}()
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mark := byte(g + 1)
			for i := range rounds {
				n := sizes[(i+g)%len(sizes)]
				b := p.Get(n)
				if len(b) != n || cap(b) != ClassSize(n) {
					errs <- fmt.Errorf("Get(%d): len %d cap %d", n, len(b), cap(b))
					return
				}
				setMark(b, mark)
				if j := checkMark(b, mark); j >= 0 {
					errs <- fmt.Errorf("worker %d: buffer shared with another holder (byte %d is %d)", g, j, b[j])
					return
				}
				if i%2 == 0 {
					handoff <- b
				} else {
					p.Put(b)
				}
				if idle := p.IdleBytes(); idle > p.Limit() {
					errs <- fmt.Errorf("idle %d above the limit %d", idle, p.Limit())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(handoff)
	putters.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p.IdleBytes() == 0 || p.IdleBytes() > p.Limit() {
		t.Fatalf("idle %d after the run, limit %d", p.IdleBytes(), p.Limit())
	}
}

// markStride spaces the bytes setMark writes: enough to catch a buffer
// held twice without making the test slow under -race, which instruments
// every access.
const markStride = 61

// setMark writes m to b's first and last byte and every markStride-th.
func setMark(b []byte, m byte) {
	if len(b) == 0 {
		return
	}
	for i := 0; i < len(b); i += markStride {
		b[i] = m
	}
	b[len(b)-1] = m
}

// checkMark returns the index of a byte setMark wrote that is not m, or -1.
func checkMark(b []byte, m byte) int {
	if len(b) == 0 {
		return -1
	}
	for i := 0; i < len(b); i += markStride {
		if b[i] != m {
			return i
		}
	}
	if b[len(b)-1] != m {
		return len(b) - 1
	}
	return -1
}

// BenchmarkGetPut measures a Get/Put pair of a 1500-byte buffer (through
// the pool interface); with -benchmem it shows 0 allocs/op.
func BenchmarkGetPut(b *testing.B) {
	for _, np := range newPools() {
		b.Run(np.name, func(b *testing.B) {
			p := np.p
			p.Put(p.Get(1500))
			b.ReportAllocs()
			for b.Loop() {
				p.Put(p.Get(1500))
			}
		})
	}
	b.Run("SharedParallel", func(b *testing.B) {
		var p Shared
		p.SetLimit(4 << 20)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			p.Put(p.Get(1500))
			for pb.Next() {
				p.Put(p.Get(1500))
			}
		})
	})
}

// TestSharedPutAll: PutAll keeps every class-size buffer of a batch, as
// Put would one by one (Get hands them out again), ignores foreign ones,
// and respects the limit.
func TestSharedPutAll(t *testing.T) {
	var p Shared
	var batch [][]byte
	for range 4 {
		batch = append(batch, p.Get(1200))
	}
	batch = append(batch, make([]byte, 100), nil) // foreign: ignored
	p.PutAll(batch)
	if got, want := p.IdleBytes(), 4*ClassSize(1200); got != want {
		t.Fatalf("idle bytes after PutAll: %d, want %d", got, want)
	}
	for i := range 4 {
		b := p.Get(1200)
		found := false
		for _, k := range batch[:4] {
			found = found || sameArray(b, k)
		}
		if !found {
			t.Fatalf("Get %d after PutAll allocated instead of reusing a buffer given back", i)
		}
	}
	p.PutAll(nil) // no lock, no effect
	// The limit (at least MaxSize) holds for a batch as for single Puts:
	// of three largest-class buffers PutAll keeps one.
	p.Release()
	p.PutAll([][]byte{p.Get(MaxSize), p.Get(MaxSize), p.Get(MaxSize)})
	if got, want := p.IdleBytes(), p.Limit(); got != want {
		t.Fatalf("idle bytes after PutAll of 3 × %d: %d, want the limit %d", MaxSize, got, want)
	}
}
