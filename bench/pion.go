package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// connectedPair returns two UDP sockets on 127.0.0.1 connected to each
// other, as pion/sctp expects a net.Conn per association.
func connectedPair() (a, b *net.UDPConn, err error) {
	la, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, err
	}
	lb, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		la.Close()
		return nil, nil, err
	}
	aa, ba := la.LocalAddr().(*net.UDPAddr), lb.LocalAddr().(*net.UDPAddr)
	la.Close()
	lb.Close()
	if a, err = net.DialUDP("udp4", aa, ba); err != nil {
		return nil, nil, err
	}
	if b, err = net.DialUDP("udp4", ba, aa); err != nil {
		a.Close()
		return nil, nil, err
	}
	_ = a.SetReadBuffer(4 << 20)
	_ = b.SetReadBuffer(4 << 20)
	return a, b, nil
}

// pionPair establishes a pion/sctp association over a connected UDP pair.
func pionPair(mtu uint32) (client, server *sctp.Association, closeFn func(), err error) {
	ca, sa, err := connectedPair()
	if err != nil {
		return nil, nil, nil, err
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	opts := func(c net.Conn) []sctp.AssociationOption {
		o := []sctp.AssociationOption{sctp.WithNetConn(c), sctp.WithLoggerFactory(lf), sctp.WithMaxMessageSize(256 << 10)}
		if mtu != 0 {
			o = append(o, sctp.WithMTU(mtu))
		}
		return o
	}
	var wg sync.WaitGroup
	var serr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		var so []sctp.ServerOption
		for _, o := range opts(sa) {
			so = append(so, o)
		}
		server, serr = sctp.ServerWithOptions(so...)
	}()
	var co []sctp.ClientOption
	for _, o := range opts(ca) {
		co = append(co, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err = sctp.ClientContext(ctx, co...)
	wg.Wait()
	if err == nil {
		err = serr
	}
	if err != nil {
		ca.Close()
		sa.Close()
		return nil, nil, nil, err
	}
	return client, server, func() {
		client.Close()
		server.Close()
		ca.Close()
		sa.Close()
	}, nil
}

func pionRunner(mtu uint32) func(s scenario) result {
	return func(s scenario) result {
		client, server, closeFn, err := pionPair(mtu)
		if err != nil {
			return result{err: fmt.Errorf("pion setup: %w", err)}
		}
		defer closeFn()
		cs, err := client.OpenStream(0, sctp.PayloadTypeWebRTCBinary)
		if err != nil {
			return result{err: err}
		}
		if s.pingpong {
			// The server stream appears with the first message.
			if _, err := cs.Write([]byte{0}); err != nil {
				return result{err: err}
			}
			ss, err := server.AcceptStream()
			if err != nil {
				return result{err: err}
			}
			buf := make([]byte, 64)
			if _, err := ss.Read(buf); err != nil {
				return result{err: err}
			}
			go echo(ss)
			return pingPongLoop(s, cs)
		}
		// Throughput: keep at most 1 MiB buffered on the sender, as
		// pion's own examples do with the buffered-amount callback.
		const maxBuffered = 1 << 20
		cs.SetBufferedAmountLowThreshold(maxBuffered / 2)
		low := make(chan struct{}, 1)
		cs.OnBufferedAmountLow(func() {
			select {
			case low <- struct{}{}:
			default:
			}
		})
		var rcv received
		rdone := make(chan struct{})
		go func() {
			defer close(rdone)
			ss, err := server.AcceptStream()
			if err != nil {
				return
			}
			rcv.readAll(ss.Read, 256<<10)
		}()
		payload := make([]byte, s.size)
		cpu0 := selfCPU()
		start := time.Now()
		stop := start.Add(s.dur)
		var werr error
		for time.Now().Before(stop) {
			if cs.BufferedAmount() > maxBuffered {
				select {
				case <-low:
				case <-time.After(time.Second):
				}
				continue
			}
			if _, werr = cs.Write(payload); werr != nil {
				break
			}
		}
		elapsed := time.Since(start)
		cpu := selfCPU() - cpu0
		res := rcv.result(elapsed, cpu)
		if werr != nil && !errors.Is(werr, net.ErrClosed) {
			res.note = "write error: " + werr.Error()
		}
		return res
	}
}
