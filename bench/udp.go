package main

import (
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
	cpu0 := selfCPU()
	start := time.Now()
	stop := start.Add(s.dur)
	for i := 0; ; i++ {
		if i%64 == 0 && time.Now().After(stop) {
			break
		}
		_, _ = tx.Write(payload)
	}
	// Let the receiver drain what is queued.
	time.Sleep(20 * time.Millisecond)
	elapsed := time.Since(start)
	cpu := selfCPU() - cpu0
	rx.Close()
	<-done
	return rcv.result(elapsed, cpu)
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
	return pingPongLoop(s, func(p []byte) error {
		if _, err := b.Write(p); err != nil {
			return err
		}
		_, err := b.Read(p)
		return err
	})
}

// pingPongLoop runs round trips for s.dur with rt doing one round trip.
func pingPongLoop(s scenario, rt func(p []byte) error) result {
	p := make([]byte, 1)
	var rtts []time.Duration
	cpu0 := selfCPU()
	start := time.Now()
	stop := start.Add(s.dur)
	for {
		t0 := time.Now()
		if t0.After(stop) {
			break
		}
		if err := rt(p); err != nil {
			return result{err: err}
		}
		rtts = append(rtts, time.Since(t0))
	}
	elapsed := time.Since(start)
	return result{bytes: int64(len(rtts)), msgs: int64(len(rtts)), elapsed: elapsed, cpu: selfCPU() - cpu0, rtts: rtts}
}
