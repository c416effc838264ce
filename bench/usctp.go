package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/usctp/sctp"
)

// usctpPair sets up two usctp stacks on free UDP ports of 127.0.0.1 (both in
// this process, so the CPU figure covers both peers) and one association
// between them through the public API (Listen + Dial).
func usctpPair(cfg usctpConfig) (client, server *sctp.Conn, closeFn func(), err error) {
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	srvStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo, MTU: cfg.mtu, PathMTUDiscovery: cfg.pmtud})
	if err != nil {
		return nil, nil, nil, err
	}
	cliStack, err := sctp.NewStack(sctp.StackConfig{
		Network: "udp4", LocalAddr: lo, MTU: cfg.mtu, PathMTUDiscovery: cfg.pmtud,
		RemoteUDPPort: srvStack.LocalUDPAddr().Port(),
	})
	if err != nil {
		srvStack.Close()
		return nil, nil, nil, err
	}
	stop := func() {
		cliStack.Close()
		srvStack.Close()
	}
	c := &sctp.Config{SndBuf: cfg.sndBuf, RcvBuf: cfg.rcvBuf}
	client, server, err = listenDial(srvStack, cliStack, c)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return client, server, func() {
		client.Close()
		server.Close()
		stop()
	}, nil
}

// listenDial makes one association between two stacks through the public
// API: srv listens on 127.0.0.1 with c, cli dials it with a copy of c. It
// returns both ends, or the first error with nothing left open.
func listenDial(srv, cli *sctp.Stack, c *sctp.Config) (client, server *sctp.Conn, err error) {
	sc := *c
	sc.Stack = srv
	ln, err := sctp.Listen("sctp4", "127.0.0.1:0", &sc)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	type acc struct {
		c   *sctp.Conn
		err error
	}
	ch := make(chan acc, 1)
	go func() {
		c, err := ln.AcceptSCTP()
		ch <- acc{c, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc := *c
	cc.Stack = cli
	client, err = sctp.Dial(ctx, "sctp4", ln.Addr().(*sctp.Addr).AddrPort.String(), &cc)
	if err != nil {
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		return nil, nil, a.err
	}
	return client, a.c, nil
}

// usctpConfig are the knobs of one usctp system.
type usctpConfig struct {
	mtu            int  // 0: the stack default (1500)
	sndBuf, rcvBuf int  // 0: the socket defaults
	pmtud          bool // StackConfig.PathMTUDiscovery (RFC 8899), mtu its ceiling
}

// usctpRunner measures usctp: one association, one stream, reliable and
// ordered, written with Conn.Write and read with Conn.Read.
func usctpRunner(cfg usctpConfig) func(s scenario) result {
	return func(s scenario) result {
		client, server, closeFn, err := usctpPair(cfg)
		if err != nil {
			return result{err: fmt.Errorf("usctp setup: %w", err)}
		}
		defer closeFn()
		if s.pingpong {
			go echo(server)
			res := pingPongLoop(s, client)
			res.note = retransmitNote(client, server)
			return res
		}
		var rcv received
		rdone := make(chan struct{})
		go func() {
			defer close(rdone)
			rcv.readAll(server.Read, 256<<10)
		}()
		payload := make([]byte, s.size)
		cpu0 := selfCPU()
		start := time.Now()
		// A write deadline bounds the last blocked Write.
		_ = client.SetWriteDeadline(start.Add(s.dur))
		var werr error
		for {
			if _, werr = client.Write(payload); werr != nil {
				break
			}
		}
		elapsed := time.Since(start)
		cpu := selfCPU() - cpu0
		res := rcv.result(elapsed, cpu)
		res.note = retransmitNote(client, server)
		if !errors.Is(werr, context.DeadlineExceeded) && !errors.Is(werr, net.ErrClosed) && !errors.Is(werr, io.EOF) && !isTimeout(werr) {
			res.note += " write error: " + werr.Error()
		}
		return res
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retransmitNote reports the retransmissions of both ends (a T3-rtx
// timeout stalls a loopback transfer for at least RTO.Min = 1 s).
func retransmitNote(conns ...*sctp.Conn) string {
	var t3, fr uint64
	for _, c := range conns {
		if st, err := c.Stats(); err == nil {
			t3 += st.T3Retransmits
			fr += st.FastRetransmits
		}
	}
	if t3 == 0 && fr == 0 {
		return ""
	}
	return fmt.Sprintf("T3-rtx %d, fast rtx %d", t3, fr)
}
