package main

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usctp/sctp"
)

// handshakeRate measures associations set up per second into one listener:
// conc client goroutines on one client stack each Dial (INIT, INIT ACK,
// COOKIE ECHO, COOKIE ACK) and then Close the Conn (graceful shutdown); the
// server accepts and closes its side. A handshake counts when Dial
// returned and the server's Accept returned it. Both stacks are in this
// process on 127.0.0.1, so the CPU figure covers both peers.
func handshakeRate(dur time.Duration, conc int) (rate float64, cpuPerK time.Duration, err error) {
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	srvStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo})
	if err != nil {
		return 0, 0, err
	}
	defer srvStack.Close()
	cliStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo, RemoteUDPPort: srvStack.LocalUDPAddr().Port()})
	if err != nil {
		return 0, 0, err
	}
	defer cliStack.Close()
	ln, err := sctp.Listen("sctp4", "127.0.0.1:0", &sctp.Config{Stack: srvStack})
	if err != nil {
		return 0, 0, err
	}
	var accepted atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.AcceptSCTP()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	addr := ln.Addr().(*sctp.Addr).AddrPort.String()
	ctx, cancel := context.WithTimeout(context.Background(), dur+30*time.Second)
	defer cancel()
	var dialed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(dur)
	cpu0 := selfCPU()
	start := time.Now()
	var cw sync.WaitGroup
	for i := 0; i < conc; i++ {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for time.Now().Before(deadline) {
				c, err := sctp.Dial(ctx, "sctp4", addr, &sctp.Config{Stack: cliStack})
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				dialed.Add(1)
				c.Close()
			}
		}()
	}
	cw.Wait()
	elapsed := time.Since(start)
	cpu := selfCPU() - cpu0
	// Let the last accepts land.
	for i := 0; i < 100 && accepted.Load() < dialed.Load(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	ln.Close()
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return 0, 0, e
	}
	n := min(dialed.Load(), accepted.Load())
	if n == 0 {
		return 0, 0, fmt.Errorf("no handshake completed")
	}
	return float64(n) / elapsed.Seconds(), cpu / time.Duration(n) * 1000, nil
}

// runHandshakeTable prints the handshake-rate rows: rounds runs of dur
// per concurrency level, median and range.
func runHandshakeTable(dur time.Duration, rounds int, concs []int) {
	fmt.Printf("## handshakes per second into one listener (usctp, loopback, %v per run, %d rounds)\n\n", dur, rounds)
	fmt.Println("| concurrent dialers | handshakes/s median | min–max | CPU ms per 1,000 handshakes (both peers) |")
	fmt.Println("|---|---|---|---|")
	for _, conc := range concs {
		var rates []float64
		var cpus []float64
		for r := 0; r < rounds; r++ {
			rate, cpuK, err := handshakeRate(dur, conc)
			if err != nil {
				fmt.Printf("| %d | error: %v | | |\n", conc, err)
				rates = nil
				break
			}
			rates = append(rates, rate)
			cpus = append(cpus, float64(cpuK)/1e6)
		}
		if len(rates) == 0 {
			continue
		}
		sort.Float64s(rates)
		sort.Float64s(cpus)
		fmt.Printf("| %d | %.0f | %.0f–%.0f | %.0f |\n", conc, rates[len(rates)/2], rates[0], rates[len(rates)-1], cpus[len(cpus)/2])
	}
	fmt.Println()
}
