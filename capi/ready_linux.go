package main

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"
)

// readyFD is the descriptor fileno() returns: an eventfd whose counter is
// 1 while the socket has something to read and 0 otherwise, so select,
// poll, epoll and Python's selectors see it readable exactly then
// (level-triggered, like a socket).
type readyFD struct {
	mu  sync.Mutex
	fd  int
	on  bool
	off bool // closed
}

func newReadyFD() (*readyFD, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &readyFD{fd: fd}, nil
}

func (r *readyFD) FD() int { return r.fd }

// set makes the descriptor readable (on) or not.
func (r *readyFD) set(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off || on == r.on {
		return
	}
	var b [8]byte
	if on {
		binary.NativeEndian.PutUint64(b[:], 1)
		unix.Write(r.fd, b[:])
	} else {
		unix.Read(r.fd, b[:]) // resets the counter to 0
	}
	r.on = on
}

func (r *readyFD) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.off {
		r.off = true
		unix.Close(r.fd)
	}
}
