package sctp

import (
	"context"
	"net"
)

// Listener accepts incoming associations on an SCTP port as Conns. It
// implements net.Listener and is safe for concurrent use; Close unblocks
// pending Accept calls with net.ErrClosed.
type Listener struct {
	s    *Socket
	addr *Addr
}

var _ net.Listener = (*Listener)(nil)

// Listen listens on address ("host:port"; empty host: every local
// address; port 0: an ephemeral SCTP port) over network "sctp", "sctp4"
// or "sctp6". Associations are set up by the stack as soon as a peer
// connects, before Accept is called (data sent meanwhile waits in the
// accepted Conn).
func Listen(network, address string, cfg *Config) (*Listener, error) {
	st, fam, laddr, udp, err := cfg.setup(context.Background(), network, address)
	if err != nil {
		return nil, opError("listen", nil, nil, err)
	}
	if udp != 0 && udp != st.LocalUDPAddr().Port() {
		return nil, opError("listen", nil, nil, invalidArg("address %q names UDP port %d but the stack's UDP port is %d (choose it with StackConfig.LocalAddr)", address, udp, st.LocalUDPAddr().Port()))
	}
	s, err := cfg.newSocket(st, fam)
	if err != nil {
		return nil, opError("listen", nil, nil, err)
	}
	backlog := 0
	if cfg != nil {
		backlog = cfg.Backlog
	}
	if err := s.Bind(laddr); err != nil {
		s.Close()
		return nil, opError("listen", nil, &Addr{AddrPort: laddr}, err)
	}
	if err := cfg.bindMore(s, s.port); err != nil {
		s.Close()
		return nil, opError("listen", nil, &Addr{AddrPort: laddr}, err)
	}
	if err := s.Listen(backlog); err != nil {
		s.Close()
		return nil, opError("listen", nil, &Addr{AddrPort: laddr}, err)
	}
	l := &Listener{s: s}
	if ls, err := s.GetLaddrs(0); err == nil && len(ls) > 0 {
		l.addr = &Addr{AddrPort: ls[0], UDPPort: st.LocalUDPAddr().Port()}
	}
	return l, nil
}

// Accept waits for the next association and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptSCTP() }

// AcceptSCTP is Accept returning the concrete type.
func (l *Listener) AcceptSCTP() (*Conn, error) {
	return l.AcceptContext(context.Background())
}

// AcceptContext is AcceptSCTP bounded by ctx.
func (l *Listener) AcceptContext(ctx context.Context) (*Conn, error) {
	c, _, err := l.s.AcceptContext(ctx)
	if err != nil {
		return nil, opError("accept", nil, l.addr, err)
	}
	return newConn(c.Socket), nil
}

// Close stops listening; pending Accept calls return net.ErrClosed.
// Associations already accepted are not affected; those set up but not
// yet accepted are shut down.
func (l *Listener) Close() error {
	if err := l.s.Close(); err != nil {
		return opError("close", nil, l.addr, err)
	}
	return nil
}

// Addr returns the listening address: IP, SCTP port and the stack's UDP
// port (the remote UDP port clients must use).
func (l *Listener) Addr() net.Addr { return l.addr }

// Socket returns the listening socket, for options.
func (l *Listener) Socket() *SocketTCP { return &SocketTCP{l.s} }
