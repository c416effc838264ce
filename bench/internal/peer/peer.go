// Package peer is one usctp benchmark peer: a receiver, sender, echo
// server or pinger over a chosen API of the library (Conn, SocketTCP with
// SCTPRecv or SCTPRecvInto, SocketUDP with SCTPRecvInto). sctpbench runs
// two of them in its own process (the in-process rows) and
// cmd/usctp-peer runs one per process (the two-process rows, issue 16).
package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/usctp/sctp"
)

// APIs are the API variants a peer can use.
var APIs = []string{"conn", "tcp", "tcp-into", "udp-into", "udp-mmsg", "udp"}

// Config is one peer.
type Config struct {
	API       string         // conn | tcp (SCTPSend/SCTPRecv) | tcp-into (SCTPSend/SCTPRecvInto) | udp-into (one-to-many, SCTPSend/SCTPRecvInto) | udp-mmsg (raw UDP, udpmmsg.go; recv and send only) | udp (net.UDPConn, udpplain.go; pong and ping only)
	LocalUDP  int            // this stack's UDP port (0: any)
	RemoteUDP int            // the peer stack's UDP port (client)
	Addr      netip.AddrPort // the server's SCTP address (127.0.0.1:port)
	Size      int            // message size (send)
	Dur       time.Duration  // how long to send or ping
}

// Result is what a peer measured.
type Result struct {
	Bytes, Msgs int64
	Elapsed     time.Duration
	RTTs        []time.Duration // ping only
}

// end is one side of the association through the chosen API.
type end struct {
	api  string
	st   *sctp.Stack
	conn *sctp.Conn
	s    *sctp.Socket
	si   sctp.SndInfo
	buf  []byte
}

func newStack(cfg Config) (*sctp.Stack, error) {
	return sctp.NewStack(sctp.StackConfig{Network: "udp4",
		LocalAddr:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(cfg.LocalUDP)),
		RemoteUDPPort: uint16(cfg.RemoteUDP)})
}

func style(api string) sctp.Style {
	if api == "udp-into" {
		return sctp.UDP_STYLE
	}
	return sctp.TCP_STYLE
}

func checkAPI(api string) error {
	for _, a := range APIs {
		if a == api {
			return nil
		}
	}
	return fmt.Errorf("unknown API %q (want one of %v)", api, APIs)
}

// listen sets up the server end; ready is called once it listens. It
// returns after the association is up (one-to-one: accepted).
func listen(cfg Config, ready func()) (*end, error) {
	if err := checkAPI(cfg.API); err != nil {
		return nil, err
	}
	st, err := newStack(cfg)
	if err != nil {
		return nil, err
	}
	e := &end{api: cfg.API, st: st, buf: make([]byte, 256<<10)}
	if cfg.API == "conn" {
		ln, err := sctp.Listen("sctp4", cfg.Addr.String(), &sctp.Config{Stack: st})
		if err != nil {
			st.Close()
			return nil, err
		}
		ready()
		e.conn, err = ln.AcceptSCTP()
		ln.Close()
		if err != nil {
			st.Close()
			return nil, err
		}
		return e, nil
	}
	s, err := st.NewSocket(sctp.AF_INET, style(cfg.API))
	if err == nil {
		err = s.SetEvents(sctp.EventSubscribe{Association: true})
	}
	if err == nil {
		err = s.Bind(cfg.Addr)
	}
	if err == nil {
		err = s.Listen(5)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	ready()
	if style(cfg.API) == sctp.UDP_STYLE {
		e.s = s
		return e, nil
	}
	c, _, err := s.Accept()
	s.Close()
	if err != nil {
		st.Close()
		return nil, err
	}
	e.s = c.Socket
	return e, nil
}

// dial sets up the client end.
func dial(cfg Config) (*end, error) {
	if err := checkAPI(cfg.API); err != nil {
		return nil, err
	}
	st, err := newStack(cfg)
	if err != nil {
		return nil, err
	}
	e := &end{api: cfg.API, st: st, buf: make([]byte, 256<<10)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cfg.API == "conn" {
		e.conn, err = sctp.Dial(ctx, "sctp4", cfg.Addr.String(), &sctp.Config{Stack: st})
		if err != nil {
			st.Close()
			return nil, err
		}
		return e, nil
	}
	s, err := st.NewSocket(sctp.AF_INET, style(cfg.API))
	if err == nil {
		err = s.SetEvents(sctp.EventSubscribe{Association: true})
	}
	if err == nil && style(cfg.API) == sctp.TCP_STYLE {
		err = s.ConnectContext(ctx, cfg.Addr)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	e.s = s
	e.si.To = cfg.Addr // one-to-many: the first send sets the association up
	return e, nil
}

func (e *end) close() {
	if e.conn != nil {
		e.conn.Close()
	}
	if e.s != nil {
		e.s.Close()
	}
	e.st.Close()
}

func (e *end) write(b []byte) error {
	if e.conn != nil {
		_, err := e.conn.Write(b)
		return err
	}
	if e.api == "udp-into" {
		_, err := e.s.SCTPSend(b, &e.si)
		return err
	}
	_, err := e.s.SCTPSend(b, nil)
	return err
}

// errDone is read's end of the association (io.EOF, or SHUTDOWN_COMP on a
// one-to-many socket).
var errDone = io.EOF

// read returns the next data message's length, skipping notifications;
// errDone when the association has ended.
func (e *end) read() (int, error) {
	for {
		switch e.api {
		case "conn":
			return e.conn.Read(e.buf)
		case "tcp":
			r, err := e.s.SCTPRecv(len(e.buf))
			if err != nil {
				return 0, err
			}
			if r.Flags&sctp.MSG_NOTIFICATION == 0 {
				return len(r.Msg), nil
			}
		default:
			n, r, err := e.s.SCTPRecvInto(e.buf)
			if err != nil {
				return 0, err
			}
			if r.Flags&sctp.MSG_NOTIFICATION == 0 {
				if e.api == "udp-into" && e.si.AssocID == 0 {
					e.si.AssocID = r.Info.AssocID // answer on this association
				}
				return n, nil
			}
			if ac, ok := r.Notification.(sctp.AssocChange); ok && e.api == "udp-into" {
				switch ac.State {
				case sctp.ShutdownComp, sctp.CommLost:
					return 0, errDone
				}
			}
		}
	}
}

// shutdown ends the association gracefully and waits until it has ended
// (everything sent was acknowledged: RFC 9260 §9.2).
func (e *end) shutdown() error {
	var err error
	switch {
	case e.conn != nil:
		err = e.conn.CloseWrite()
	default:
		si := e.si
		si.Flags = sctp.MSG_EOF
		_, err = e.s.SCTPSend(nil, &si)
	}
	if err != nil {
		return err
	}
	for {
		if _, err := e.read(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// Serve runs the server: it counts what arrives (pong false) or echoes
// it (pong true) until the association has ended.
func Serve(cfg Config, pong bool, ready func()) (Result, error) {
	if cfg.API == "udp-mmsg" && !pong {
		return serveUDP(cfg, ready)
	}
	if cfg.API == "udp" && pong {
		return pongUDP(cfg, ready)
	}
	e, err := listen(cfg, ready)
	if err != nil {
		return Result{}, err
	}
	defer e.close()
	var res Result
	var start time.Time
	for {
		n, err := e.read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				res.Elapsed = time.Since(start)
				return res, nil
			}
			return res, err
		}
		if res.Msgs == 0 {
			start = time.Now()
		}
		res.Msgs++
		res.Bytes += int64(n)
		if pong {
			if err := e.write(e.buf[:n]); err != nil {
				return res, err
			}
		}
	}
}

// Send sends cfg.Size-byte messages for cfg.Dur, then shuts down; Elapsed
// runs until SHUTDOWN COMPLETE (everything delivered and acknowledged).
func Send(cfg Config) (Result, error) {
	if cfg.API == "udp-mmsg" {
		return sendUDP(cfg)
	}
	e, err := dial(cfg)
	if err != nil {
		return Result{}, err
	}
	defer e.close()
	msg := make([]byte, cfg.Size)
	var res Result
	start := time.Now()
	stop := start.Add(cfg.Dur)
	for time.Now().Before(stop) {
		for i := 0; i < 16; i++ { // read the clock every 16 messages
			if err := e.write(msg); err != nil {
				return res, err
			}
			res.Msgs++
			res.Bytes += int64(len(msg))
		}
	}
	if err := e.shutdown(); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Ping runs 1-byte round trips for cfg.Dur against a pong server.
func Ping(cfg Config) (Result, error) {
	if cfg.API == "udp" {
		return pingUDP(cfg)
	}
	e, err := dial(cfg)
	if err != nil {
		return Result{}, err
	}
	defer e.close()
	p := []byte{1}
	res, err := pingLoop(cfg.Dur, func() error {
		if err := e.write(p); err != nil {
			return err
		}
		_, err := e.read()
		return err
	})
	if err != nil {
		return res, err
	}
	err = e.shutdown()
	return res, err
}

// pingLoop runs round trips (rt: send one message, wait for its answer)
// for dur and records each one's time.
func pingLoop(dur time.Duration, rt func() error) (Result, error) {
	var res Result
	start := time.Now()
	stop := start.Add(dur)
	for {
		t0 := time.Now()
		if t0.After(stop) {
			break
		}
		if err := rt(); err != nil {
			return res, err
		}
		res.RTTs = append(res.RTTs, time.Since(t0))
	}
	res.Elapsed = time.Since(start)
	res.Msgs = int64(len(res.RTTs))
	res.Bytes = res.Msgs
	return res, nil
}
