//go:build windows

package main

import (
	"net"
	"sync"
	"syscall"
)

// readyFD is the descriptor fileno() returns on Windows, where select
// only takes sockets: a UDP socket on 127.0.0.1 holding one datagram
// (sent by its twin) while the socket has something to read.
type readyFD struct {
	mu   sync.Mutex
	rc   *net.UDPConn
	wc   *net.UDPConn
	fd   int
	on   bool
	off  bool
	buf  [1]byte
	werr error
}

func newReadyFD() (*readyFD, error) {
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	wc, err := net.DialUDP("udp4", nil, rc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		rc.Close()
		return nil, err
	}
	var fd int
	if raw, err := rc.SyscallConn(); err == nil {
		raw.Control(func(h uintptr) { fd = int(syscall.Handle(h)) })
	}
	return &readyFD{rc: rc, wc: wc, fd: fd}, nil
}

func (r *readyFD) FD() int { return r.fd }

func (r *readyFD) set(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off || on == r.on {
		return
	}
	if on {
		_, r.werr = r.wc.Write(r.buf[:])
	} else {
		r.rc.Read(r.buf[:])
	}
	r.on = on
}

func (r *readyFD) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.off {
		r.off = true
		r.rc.Close()
		r.wc.Close()
	}
}
