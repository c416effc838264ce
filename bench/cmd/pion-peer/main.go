// Command pion-peer is a test-only peer for usctp's pion/sctp interop test
// (interop_pion_test.go in the root package): a pion/sctp server
// association over a UDP socket connected to the usctp stack (the SCTP
// packet is the UDP payload, as in RFC 6951), which prints what it
// receives and runs the commands it is sent on stream 0, the way pion's
// WebRTC data channels use the association:
//
//	send:SID:TEXT   write TEXT on stream SID (opened if needed)
//	rtx0:SID:TEXT   the same with maxRetransmits 0 (PR-SCTP, rexmit 0)
//	close:SID       Close stream SID (pion resets its outgoing stream)
//
// Output lines: "LISTENING", "UP", "DATA sid ppid text", "EOF sid" (the
// stream was reset by the peer), "CMD name err".
//
//	pion-peer -local-udp N -remote-udp M
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

func main() {
	local := flag.Int("local-udp", 0, "local UDP port")
	remote := flag.Int("remote-udp", 0, "the usctp stack's UDP port")
	flag.Parse()
	conn, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *local},
		&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *remote})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Printf(format+"\n", args...)
		mu.Unlock()
	}
	say("LISTENING")
	a, err := sctp.ServerWithOptions(sctp.WithNetConn(conn), sctp.WithLoggerFactory(lf))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	say("UP")
	var smu sync.Mutex
	streams := map[uint16]*sctp.Stream{}
	stream := func(id uint16) (*sctp.Stream, error) {
		smu.Lock()
		defer smu.Unlock()
		if s := streams[id]; s != nil {
			return s, nil
		}
		s, err := a.OpenStream(id, sctp.PayloadTypeWebRTCString)
		if err == nil {
			streams[id] = s
		}
		return s, err
	}
	command := func(text string) {
		name, arg, _ := strings.Cut(text, ":")
		sidText, msg, _ := strings.Cut(arg, ":")
		n, _ := strconv.Atoi(sidText)
		sid := uint16(n)
		var err error
		switch name {
		case "send", "rtx0":
			var s *sctp.Stream
			if s, err = stream(sid); err == nil {
				if name == "rtx0" {
					s.SetReliabilityParams(false, sctp.ReliabilityTypeRexmit, 0)
				}
				_, err = s.WriteSCTP([]byte(msg), sctp.PayloadTypeWebRTCString)
			}
		case "close":
			var s *sctp.Stream
			if s, err = stream(sid); err == nil {
				err = s.Close()
			}
		default:
			return
		}
		say("CMD %s %v", name, err)
	}
	for {
		s, err := a.AcceptStream()
		if err != nil {
			say("ACCEPT %v", err)
			return
		}
		smu.Lock()
		streams[s.StreamIdentifier()] = s
		smu.Unlock()
		go func(s *sctp.Stream) {
			buf := make([]byte, 1<<16)
			for {
				n, ppid, err := s.ReadSCTP(buf)
				if err != nil {
					if errors.Is(err, io.EOF) {
						say("EOF %d", s.StreamIdentifier())
					} else {
						say("READERR %d %v", s.StreamIdentifier(), err)
					}
					return
				}
				text := string(buf[:n])
				say("DATA %d %d %s", s.StreamIdentifier(), ppid, text)
				if s.StreamIdentifier() == 0 {
					command(text)
				}
			}
		}(s)
	}
}
