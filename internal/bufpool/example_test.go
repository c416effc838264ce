package bufpool_test

import (
	"fmt"

	"github.com/usctp/sctp/internal/bufpool"
)

// One owner copies a message into a pooled buffer, and gives the buffer
// back when done with it; the next copy of that size class reuses it.
func ExampleClasses() {
	var pool bufpool.Classes
	pool.SetLimit(4 << 20) // keep at most 4 MiB of idle buffers

	msg := []byte("hello, association")
	b := pool.Get(len(msg))
	copy(b, msg)
	fmt.Println(len(b), cap(b))
	pool.Put(b)
	fmt.Println(pool.IdleBytes())

	c := pool.Get(50) // same 64-byte class: the buffer comes back
	fmt.Println(len(c), cap(c), pool.IdleBytes())
	// Output:
	// 18 64
	// 64
	// 50 64 0
}
