package sctp

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/udpencap"
)

// batchConn is a packetConn whose reads return whole batches handed in by
// the test, so a test controls exactly what one ReadBatch delivers.
type batchConn struct {
	addr      netip.AddrPort
	in        chan []udpencap.Message
	out       chan []byte
	closed    chan struct{}
	closeOnce sync.Once
}

func newBatchConn(addr netip.AddrPort) *batchConn {
	return &batchConn{addr: addr, in: make(chan []udpencap.Message), out: make(chan []byte, 4096), closed: make(chan struct{})}
}

func (c *batchConn) ReadBatch(ms []udpencap.Message) (int, error) {
	select {
	case b := <-c.in:
		if len(b) > len(ms) {
			panic("BUG: test batch larger than the endpoint's")
		}
		for i := range b {
			ms[i].N = copy(ms[i].Buf, b[i].Buf)
			ms[i].Addr = b[i].Addr
		}
		return len(b), nil
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

func (c *batchConn) WriteBatch(ms []udpencap.Message) (int, error) {
	for _, m := range ms {
		select {
		case c.out <- append([]byte(nil), m.Buf...):
		default: // full: lost, like UDP
		}
	}
	return len(ms), nil
}

func (c *batchConn) LocalAddr() netip.AddrPort { return c.addr }

func (c *batchConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

// TestEndpointSacksWithinBatch: 16 DATA packets read in ONE batch must be
// acknowledged at least every second packet (RFC 9260 §6.2), not by one
// SACK for the whole batch: the sender's cwnd grows per SACK in slow start
// (§7.2.1), so one SACK per batch throttles throughput.
func TestEndpointSacksWithinBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srvAddr := netip.MustParseAddrPort("10.0.0.1:9899")
		cliAddr := netip.MustParseAddrPort("10.0.0.2:9899")
		conn := newBatchConn(srvAddr)
		srv := newRunnerOn(conn, runnerConfig{Rand: newSeededReader(1)})
		defer srv.close()
		if err := srv.listenDefaults(9, 4); err != nil {
			t.Fatal(err)
		}
		cli := newTestEndpoint(t, 3)
		client, err := cli.connect(time.Now(), 0, srvAddr, 9, assocConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var buf []byte
		// exchange sends the client's datagrams one per batch and feeds
		// the server's replies back; it returns the server's packets.
		exchange := func(batch []udpencap.Message) [][]byte {
			for {
				pkt, to, ok := cli.appendDatagram(time.Now(), buf[:0])
				if !ok {
					break
				}
				if to != srvAddr {
					t.Fatalf("client sent to %v", to)
				}
				conn.in <- []udpencap.Message{{Buf: append([]byte(nil), pkt...), Addr: cliAddr}}
				synctest.Wait()
			}
			if batch != nil {
				conn.in <- batch
				synctest.Wait()
			}
			var got [][]byte
			for {
				select {
				case p := <-conn.out:
					got = append(got, p)
					cli.handleDatagram(time.Now(), srvAddr, p)
					continue
				default:
				}
				break
			}
			return got
		}
		for i := 0; i < 10 && client.currentState() != stateEstablished; i++ {
			exchange(nil)
		}
		if client.currentState() != stateEstablished {
			t.Fatalf("handshake: client %v", client.currentState())
		}
		exchange(nil) // COOKIE ACK etc. settled
		// 16 DATA packets, built by hand past the client's cwnd.
		var batch []udpencap.Message
		for i := range 16 {
			p := appendCommonHeader(nil, commonHeader{SrcPort: client.localPort, DstPort: 9, VerificationTag: client.peerTag})
			d := chunk.Data{TSN: client.localInitialTSN + uint32(i), Stream: 0, SSN: uint16(i), Beginning: true, Ending: true, UserData: make([]byte, 1000)}
			p = d.AppendTo(p)
			finalizePacket(p)
			batch = append(batch, udpencap.Message{Buf: p, Addr: cliAddr})
		}
		sacks := 0
		for _, p := range exchange(batch) {
			if simHasChunk(p, chunk.TypeSack) {
				sacks++
			}
		}
		if sacks < 8 {
			t.Fatalf("%d SACKs for 16 DATA packets in one batch, want >= 8 (one per 2 packets, RFC 9260 §6.2)", sacks)
		}
		srv.close()
	})
}
