//go:build unix && !linux

package main

import (
	"sync"

	"golang.org/x/sys/unix"
)

// readyFD is the descriptor fileno() returns: the read end of a pipe
// holding one byte while the socket has something to read and none
// otherwise, so select, poll, kqueue and Python's selectors see it
// readable exactly then (the portable form of the Linux eventfd).
type readyFD struct {
	mu  sync.Mutex
	r   int
	w   int
	on  bool
	off bool
}

func newReadyFD() (*readyFD, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return nil, err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		unix.SetNonblock(fd, true)
	}
	return &readyFD{r: p[0], w: p[1]}, nil
}

func (r *readyFD) FD() int { return r.r }

func (r *readyFD) set(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off || on == r.on {
		return
	}
	var b [1]byte
	if on {
		unix.Write(r.w, b[:])
	} else {
		unix.Read(r.r, b[:])
	}
	r.on = on
}

func (r *readyFD) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.off {
		r.off = true
		unix.Close(r.r)
		unix.Close(r.w)
	}
}
