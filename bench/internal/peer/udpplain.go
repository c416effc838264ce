package peer

import (
	"bytes"
	"net"
	"time"
)

// The Go floor of a two-process ping-pong (API "udp", ping and pong
// only): plain net.UDPConn reads and writes through the runtime's
// netpoller, as any Go program would do them, with no protocol. Its CPU per
// round trip is what a Go process pays for the wake-ups alone, next to
// usctp-2p-Conn and usrsctp in the same rounds.

// udpEnd is the 2-byte message that ends a pong server.
var udpEnd = []byte{0, 0}

func pongUDP(cfg Config, ready func()) (Result, error) {
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(udpAddr(cfg.LocalUDP)))
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	ready()
	buf := make([]byte, 2048)
	var res Result
	var start time.Time
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return res, err
		}
		if bytes.Equal(buf[:n], udpEnd) {
			res.Elapsed = time.Since(start)
			return res, nil
		}
		if res.Msgs == 0 {
			start = time.Now()
		}
		res.Msgs++
		res.Bytes += int64(n)
		if _, err := c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			return res, err
		}
	}
}

func pingUDP(cfg Config) (Result, error) {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(udpAddr(cfg.RemoteUDP)))
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	p := []byte{1}
	buf := make([]byte, 2048)
	res, err := pingLoop(cfg.Dur, func() error {
		if _, err := c.Write(p); err != nil {
			return err
		}
		_, err := c.Read(buf)
		return err
	})
	if err != nil {
		return res, err
	}
	if _, err := c.Write(udpEnd); err != nil {
		return res, err
	}
	// Twice more, in case the first was dropped: once the server has
	// gone these meet ICMP port unreachable, which is the expected end.
	_, _ = c.Write(udpEnd)
	_, _ = c.Write(udpEnd)
	return res, nil
}
