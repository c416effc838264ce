package main

import (
	"io"
	"net"
	"time"
)

// rawUDP measures the loopback ceiling with one datagram per syscall: a
// sender writes datagrams of size s.size as fast as it can, a receiver
// counts what arrives. Loopback drops what the receiver cannot take, so
// the figure is goodput.
func rawUDP(s scenario) result {
	if s.pingpong {
		return rawUDPPingPong(s)
	}
	size := s.size
	if size > 65507 {
		size = 65507
	}
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return result{err: err}
	}
	defer rx.Close()
	_ = rx.SetReadBuffer(4 << 20)
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return result{err: err}
	}
	defer tx.Close()
	_ = tx.SetWriteBuffer(4 << 20)

	var rcv received
	done := make(chan struct{})
	go func() {
		defer close(done)
		rcv.readAll(rx.Read, 65536)
	}()
	payload := make([]byte, size)
	elapsed, cpu := saturate(s.dur, 64, func() { _, _ = tx.Write(payload) })
	rx.Close()
	<-done
	return rcv.result(elapsed, cpu)
}

// saturate calls send until d has passed, reading the clock every `every`
// calls, and lets the receiver drain what is queued; it returns the wall
// and CPU time that took.
func saturate(d time.Duration, every int, send func()) (elapsed, cpu time.Duration) {
	cpu0 := selfCPU()
	start := time.Now()
	stop := start.Add(d)
	for i := 0; ; i++ {
		if i%every == 0 && time.Now().After(stop) {
			break
		}
		send()
	}
	time.Sleep(20 * time.Millisecond)
	return time.Since(start), selfCPU() - cpu0
}

// rawUDPPingPong measures 1-byte round trips over two connected sockets.
func rawUDPPingPong(s scenario) result {
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return result{err: err}
	}
	defer a.Close()
	b, err := net.DialUDP("udp4", nil, a.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return result{err: err}
	}
	defer b.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := a.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = a.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	return pingPongLoop(s, b)
}

// echo writes back every message it reads from rw until either fails: the
// server side of the ping-pong scenario.
func echo(rw io.ReadWriter) {
	buf := make([]byte, 64)
	for {
		n, err := rw.Read(buf)
		if err != nil {
			return
		}
		if _, err := rw.Write(buf[:n]); err != nil {
			return
		}
	}
}

// pingPongLoop runs round trips for s.dur over rw: write one byte, read the
// echo.
func pingPongLoop(s scenario, rw io.ReadWriter) result {
	p := make([]byte, 1)
	rb := make([]byte, 64)
	rt := func() error {
		if _, err := rw.Write(p); err != nil {
			return err
		}
		_, err := rw.Read(rb)
		return err
	}
	var rtts []time.Duration
	cpu0 := selfCPU()
	start := time.Now()
	stop := start.Add(s.dur)
	for {
		t0 := time.Now()
		if t0.After(stop) {
			break
		}
		if err := rt(); err != nil {
			return result{err: err}
		}
		rtts = append(rtts, time.Since(t0))
	}
	elapsed := time.Since(start)
	return result{bytes: int64(len(rtts)), msgs: int64(len(rtts)), elapsed: elapsed, cpu: selfCPU() - cpu0, rtts: rtts}
}
