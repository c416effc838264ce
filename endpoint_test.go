package sctp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

func newUDPEndpoint(t testing.TB, network, ip string) *Endpoint {
	t.Helper()
	var laddr netip.AddrPort
	if ip != "" {
		laddr = netip.AddrPortFrom(netip.MustParseAddr(ip), 0)
	}
	e, err := NewEndpoint(network, laddr, EndpointConfig{})
	if err != nil {
		t.Fatalf("NewEndpoint: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func epPayload(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*131 + j*7)
	}
	return b
}

// echoServer accepts on port and echoes every message on its stream with
// its PPID until the peer shuts down.
// The end error of each served association is sent on the returned channel.
func echoServer(t testing.TB, ctx context.Context, e *Endpoint, port uint16, wg *sync.WaitGroup) <-chan error {
	ends := make(chan error, 64)
	if err := e.Listen(port, 16); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			h, err := e.Accept(ctx, port)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					d, err := h.Next(ctx)
					if err != nil {
						ends <- err
						return
					}
					if d.Event != nil {
						continue
					}
					if err := h.Send(ctx, d.Data, SendParams{Stream: d.Stream, PPID: d.PPID, Unordered: d.Unordered}); err != nil {
						return
					}
					h.Recycle(d.Data)
				}
			}()
		}
	}()
	return ends
}

func TestEndpointEchoLoopback(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			if ip == "::1" {
				if c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				} else {
					c.Close()
				}
			}
			ctx := testCtx(t, 30*time.Second)
			srv := newUDPEndpoint(t, "udp", "")
			cli := newUDPEndpoint(t, "udp", "")
			var wg sync.WaitGroup
			ends := echoServer(t, ctx, srv, 7, &wg)
			to := netip.AddrPortFrom(netip.MustParseAddr(ip), srv.LocalAddr().Port())
			h, err := cli.Connect(ctx, to, 7)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			const n = 300
			go func() {
				for i := 0; i < n; i++ {
					size := 1 + (i*977)%8192
					if err := h.Send(ctx, epPayload(i, size), SendParams{Stream: uint16(i % 4), PPID: uint32(i)}); err != nil {
						t.Errorf("Send %d: %v", i, err)
						return
					}
				}
			}()
			perStream := map[uint16]int{}
			want := map[uint16][]int{}
			for i := 0; i < n; i++ {
				want[uint16(i%4)] = append(want[uint16(i%4)], i)
			}
			for got := 0; got < n; {
				d, err := h.Next(ctx)
				if err != nil {
					t.Fatalf("Next after %d echoes: %v", got, err)
				}
				if d.Event != nil {
					continue
				}
				k := perStream[d.Stream]
				i := want[d.Stream][k]
				perStream[d.Stream]++
				if d.PPID != uint32(i) || !bytes.Equal(d.Data, epPayload(i, 1+(i*977)%8192)) {
					t.Fatalf("echo %d on stream %d: ppid %d, %d bytes", i, d.Stream, d.PPID, len(d.Data))
				}
				got++
			}
			if err := h.Shutdown(); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			var sawComp bool
			for {
				d, err := h.Next(ctx)
				if err != nil {
					if !errors.Is(err, io.EOF) || !errors.Is(err, ErrClosed) {
						t.Fatalf("end of association: %v", err)
					}
					break
				}
				if ac, ok := d.Event.(AssocChange); ok && ac.State == ShutdownComp {
					sawComp = true
				}
			}
			if !sawComp {
				t.Fatal("no SHUTDOWN_COMP event")
			}
			select {
			case err := <-ends:
				if !errors.Is(err, io.EOF) || !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
					t.Fatalf("server side ended with %v, want graceful close", err)
				}
			case <-ctx.Done():
				t.Fatal("server association did not close")
			}
			st, err := srv.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if st.Associations != 0 {
				t.Fatalf("server still holds %d associations after shutdown", st.Associations)
			}
		})
	}
}

var _ = fmt.Sprintf
var _ = udpencap.MaxDatagram
