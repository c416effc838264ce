package sctp

// Hooks used by cmd/sctpcat that the socket API does not (yet) offer:
// a stack on a caller-supplied PacketConn (so the tool can tap every
// datagram for -pcap and see ICMP errors) and the counters of a Conn's
// association (cwnd, SRTT, retransmissions for the perf progress line).

// NewStackOn is NewStack on an already open datagram socket pc, which the
// stack owns from then on (Close closes it). cfg.Network and cfg.LocalAddr
// are ignored: the socket is already bound. It lets a caller wrap the
// socket, for example to record every packet sent and received.
func NewStackOn(cfg StackConfig, pc PacketConn) (*Stack, error) {
	if pc == nil {
		return nil, invalidArg("nil PacketConn")
	}
	if cfg.RemoteUDPPort == 0 {
		cfg.RemoteUDPPort = DefaultUDPPort
	}
	if cfg.MaxMessageSize < 0 || cfg.MTU < 0 {
		return nil, invalidArg("negative StackConfig.MaxMessageSize or MTU")
	}
	cfg.LocalAddr = pc.LocalAddr()
	ep := newRunnerOn(pc, runnerConfig{LoggerFactory: cfg.LoggerFactory})
	return &Stack{cfg: cfg, rt: ep, ports: make(map[uint16]*Socket), socks: make(map[*Socket]struct{})}, nil
}

// Stats returns the counters and transport state of the Conn's
// association: packets, SRTT, RTO, cwnd, retransmissions (RFC 9260 §6.3,
// §7.2). After the association has ended it reports State StateClosed.
func (c *Conn) Stats() (AssocStats, error) {
	e, err := c.s.entry(0)
	if err != nil {
		return AssocStats{}, c.err("stats", err)
	}
	return e.a.statusStats().AssocStats, nil
}

// EndReason returns why the Conn's association ended: nil while it is
// open, an error matching ErrClosed after a graceful shutdown, else the
// failure (an *AbortError matching ErrAborted with the peer's cause,
// ErrAssociationFailed, ...). Read returns io.EOF in every case; this
// tells them apart.
func (c *Conn) EndReason() error {
	e, err := c.s.entry(0)
	if err != nil {
		return err
	}
	select {
	case <-e.down:
		return e.err
	default:
		return nil
	}
}
