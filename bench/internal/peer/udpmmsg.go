package peer

import (
	"net/netip"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// The raw-UDP ceiling as two processes (API "udp-mmsg"): the sender
// writes batches of 64 datagrams of cfg.Size bytes with sendmmsg (the
// project's udpencap sockets, GSO and GRO off) for cfg.Dur, then a run of
// 1-byte end markers; the receiver reads with recvmmsg and counts until a
// marker arrives, or until nothing came for a second. Loopback drops what
// the receiver cannot take, so the receiver's count is the goodput, as in
// sctpbench's in-process udp-mmsg row.

const (
	udpBatch   = 64
	udpMarkers = 64
)

func udpAddr(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
}

func serveUDP(cfg Config, ready func()) (Result, error) {
	rx, err := udpencap.Listen("udp4", udpAddr(cfg.LocalUDP), udpencap.WithoutGSO(), udpencap.WithoutGRO())
	if err != nil {
		return Result{}, err
	}
	defer rx.Close()
	ready()
	in := make([]udpencap.Message, udpBatch)
	for i := range in {
		in[i].Buf = make([]byte, 65536)
	}
	var res Result
	var start time.Time
	for {
		if res.Msgs > 0 {
			_ = rx.SetReadDeadline(time.Now().Add(time.Second))
		}
		n, err := rx.ReadBatch(in)
		if err != nil {
			if res.Msgs > 0 {
				res.Elapsed = time.Since(start)
				return res, nil // a second without data: the sender is done
			}
			return res, err
		}
		for i := range in[:n] {
			if in[i].N == 1 {
				res.Elapsed = time.Since(start)
				return res, nil
			}
			if res.Msgs == 0 {
				start = time.Now()
			}
			res.Msgs++
			res.Bytes += int64(in[i].N)
		}
	}
}

func sendUDP(cfg Config) (Result, error) {
	tx, err := udpencap.Listen("udp4", udpAddr(0), udpencap.WithoutGSO(), udpencap.WithoutGRO())
	if err != nil {
		return Result{}, err
	}
	defer tx.Close()
	size := min(cfg.Size, udpencap.MaxDatagram)
	out := make([]udpencap.Message, udpBatch)
	payload := make([]byte, size)
	for i := range out {
		out[i] = udpencap.Message{Buf: payload, Addr: udpAddr(cfg.RemoteUDP)}
	}
	var res Result
	start := time.Now()
	stop := start.Add(cfg.Dur)
	for i := 0; i%8 != 0 || time.Now().Before(stop); i++ { // the clock every 8 batches
		n, err := tx.WriteBatch(out)
		if err != nil {
			return res, err
		}
		res.Msgs += int64(n)
		res.Bytes += int64(n * size)
	}
	res.Elapsed = time.Since(start)
	marker := []udpencap.Message{{Buf: []byte{0}, Addr: udpAddr(cfg.RemoteUDP)}}
	for range udpMarkers {
		time.Sleep(time.Millisecond) // let the receiver drain its queue between markers
		if _, err := tx.WriteBatch(marker); err != nil {
			return res, err
		}
	}
	return res, nil
}
