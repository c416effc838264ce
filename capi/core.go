package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	sctp "github.com/usctp/sctp"
)

// The process-wide stack every socket of the C ABI lives on, created on
// first use. Its UDP ports come from usctp_configure, else from the
// environment (USCTP_UDP_PORT, USCTP_REMOTE_UDP_PORT, USCTP_UDP_ADDR),
// else the defaults: local port 9899 (RFC 6951 §5.1) or, if another
// process already holds 9899, an ephemeral port — so a server and a
// client started as two processes on one host need no configuration
// (the first takes 9899, the client sends to 9899 and the server answers
// to the port the client's packets come from, RFC 6951 §5.4).
var (
	stackMu   sync.Mutex
	stack     *sctp.Stack
	cfgLocal  = -1 // -1: not configured
	cfgRemote = -1
	cfgAddr   string
)

func envPort(name string) (int, bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, false, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return 0, false, fmt.Errorf("%w: %s=%q is not a UDP port (0-65535)", sctp.ErrInvalidArgument, name, v)
	}
	return p, true, nil
}

// configure sets the UDP ports (and optionally the local IP) of the stack
// before it starts; -1 leaves a setting unchanged.
func configure(local, remote int, addr string) error {
	stackMu.Lock()
	defer stackMu.Unlock()
	if stack != nil {
		return fmt.Errorf("%w: the stack is already running on UDP %v; configure UDP ports before creating the first socket", sctp.ErrAlreadyBound, stack.LocalUDPAddr())
	}
	if local > 65535 || remote > 65535 {
		return fmt.Errorf("%w: UDP port out of range", sctp.ErrInvalidArgument)
	}
	if addr != "" {
		if _, err := netip.ParseAddr(addr); err != nil {
			return fmt.Errorf("%w: local UDP address %q: %v", sctp.ErrInvalidArgument, addr, err)
		}
		cfgAddr = addr
	}
	if local >= 0 {
		cfgLocal = local
	}
	if remote >= 0 {
		cfgRemote = remote
	}
	return nil
}

func getStack() (*sctp.Stack, error) {
	stackMu.Lock()
	defer stackMu.Unlock()
	if stack != nil {
		return stack, nil
	}
	local, explicit := cfgLocal, cfgLocal >= 0
	if !explicit {
		p, ok, err := envPort("USCTP_UDP_PORT")
		if err != nil {
			return nil, err
		}
		local, explicit = p, ok
	}
	if !explicit {
		local = sctp.DefaultUDPPort
	}
	remote := cfgRemote
	if remote < 0 {
		p, ok, err := envPort("USCTP_REMOTE_UDP_PORT")
		if err != nil {
			return nil, err
		}
		remote = 0
		if ok {
			remote = p
		}
	}
	addrS := cfgAddr
	if addrS == "" {
		addrS = os.Getenv("USCTP_UDP_ADDR")
	}
	var ip netip.Addr
	network := "udp"
	if addrS != "" {
		a, err := netip.ParseAddr(addrS)
		if err != nil {
			return nil, fmt.Errorf("%w: USCTP_UDP_ADDR %q: %v", sctp.ErrInvalidArgument, addrS, err)
		}
		ip = a
		if a.Is4() {
			network = "udp4"
		}
	}
	cfg := sctp.StackConfig{Network: network, LocalAddr: netip.AddrPortFrom(ip, uint16(local)), RemoteUDPPort: uint16(remote)}
	st, err := sctp.NewStack(cfg)
	if err != nil && !explicit && errors.Is(err, syscall.EADDRINUSE) {
		// 9899 is taken (a server on this host): use an ephemeral port.
		cfg.LocalAddr = netip.AddrPortFrom(ip, 0)
		st, err = sctp.NewStack(cfg)
	}
	if err != nil {
		return nil, err
	}
	stack = st
	return st, nil
}

// The handle table: C sees int64 handles, never Go pointers.
var (
	regMu   sync.Mutex
	reg     = map[int64]*sock{}
	nextH   int64
	errNoSt = errors.New("no stack")
)

func register(k *sock) int64 {
	regMu.Lock()
	defer regMu.Unlock()
	nextH++
	k.h = nextH
	reg[k.h] = k
	return k.h
}

func lookup(h int64) (*sock, error) {
	regMu.Lock()
	defer regMu.Unlock()
	k := reg[h]
	if k == nil {
		return nil, errBadHandle
	}
	return k, nil
}

func unregister(h int64) *sock {
	regMu.Lock()
	defer regMu.Unlock()
	k := reg[h]
	delete(reg, h)
	return k
}

func newSocket(family, style int) (int64, error) {
	var fam sctp.Family
	switch family {
	case int(syscall.AF_INET):
		fam = sctp.AF_INET
	case int(syscall.AF_INET6):
		fam = sctp.AF_INET6
	default:
		return 0, errFamily
	}
	var st sctp.Style
	switch style {
	case 1:
		st = sctp.TCP_STYLE
	case 5:
		st = sctp.UDP_STYLE
	default:
		return 0, errStyle
	}
	stk, err := getStack()
	if err != nil {
		return 0, err
	}
	s, err := stk.NewSocket(fam, st)
	if err != nil {
		return 0, err
	}
	k, err := newSock(s, fam, st == sctp.TCP_STYLE, nil)
	if err != nil {
		s.Close()
		return 0, err
	}
	return register(k), nil
}

var (
	errFamily = errors.New("address family not supported (AF_INET or AF_INET6)")
	errStyle  = errors.New("socket type not supported (SOCK_STREAM or SOCK_SEQPACKET)")
)

// errCode maps an error to the name of the errno a kernel SCTP socket
// would have set (Python turns the name into its platform's errno number
// and the matching OSError subclass). "timeout" is Python's socket.timeout.
func errCode(err error) string {
	var en syscall.Errno
	var ae *sctp.AbortError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errTimeout):
		return "timeout"
	case errors.Is(err, errWouldBlock):
		return "EAGAIN"
	case errors.Is(err, errBadHandle), errors.Is(err, net.ErrClosed) && !errors.Is(err, sctp.ErrClosed):
		return "EBADF"
	case errors.Is(err, errFamily):
		return "EAFNOSUPPORT"
	case errors.Is(err, errStyle):
		return "ESOCKTNOSUPPORT"
	case errors.Is(err, sctp.ErrConnectFailed) && errors.Is(err, sctp.ErrAborted):
		return "ECONNREFUSED"
	case errors.Is(err, sctp.ErrConnectFailed), errors.Is(err, sctp.ErrAssociationFailed),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "ETIMEDOUT"
	case errors.As(err, &ae), errors.Is(err, sctp.ErrAborted), errors.Is(err, sctp.ErrPeerRestarted):
		return "ECONNRESET"
	case errors.Is(err, sctp.ErrPortInUse):
		return "EADDRINUSE"
	case errors.Is(err, sctp.ErrAlreadyConnected):
		return "EISCONN"
	case errors.Is(err, sctp.ErrNotConnected), errors.Is(err, sctp.ErrNotEstablished):
		return "ENOTCONN"
	case errors.Is(err, sctp.ErrMessageTooLarge):
		return "EMSGSIZE"
	case errors.Is(err, sctp.ErrNotSupported):
		return "EOPNOTSUPP"
	case errors.Is(err, sctp.ErrShuttingDown), errors.Is(err, sctp.ErrClosed), errors.Is(err, io.EOF):
		return "EPIPE"
	case errors.Is(err, sctp.ErrMessageAbandoned):
		return "ETIMEDOUT"
	case errors.Is(err, sctp.ErrInvalidArgument), errors.Is(err, sctp.ErrAlreadyBound),
		errors.Is(err, sctp.ErrWrongStyle), errors.Is(err, sctp.ErrMixedPorts),
		errors.Is(err, sctp.ErrEmptyMessage), errors.Is(err, sctp.ErrInvalidStream),
		errors.Is(err, sctp.ErrNotListening):
		return "EINVAL"
	case errors.As(err, &en):
		if name := errnoName(en); name != "" {
			return name
		}
	}
	return "EIO"
}

// errnoName names the OS errors the stack's UDP socket can return.
func errnoName(en syscall.Errno) string {
	for _, e := range []struct {
		n syscall.Errno
		s string
	}{{syscall.EADDRINUSE, "EADDRINUSE"}, {syscall.EADDRNOTAVAIL, "EADDRNOTAVAIL"},
		{syscall.EACCES, "EACCES"}, {syscall.EPERM, "EPERM"}, {syscall.ENETUNREACH, "ENETUNREACH"},
		{syscall.EHOSTUNREACH, "EHOSTUNREACH"}, {syscall.ECONNREFUSED, "ECONNREFUSED"},
		{syscall.EAFNOSUPPORT, "EAFNOSUPPORT"}, {syscall.EINVAL, "EINVAL"}} {
		if en == e.n {
			return e.s
		}
	}
	return ""
}

// main is required by -buildmode=c-shared; the library has no program.
func main() {}

// errIsEOF reports the end of a one-to-one association after a graceful
// shutdown (pysctp returned an empty message).
func errIsEOF(err error) bool { return errors.Is(err, io.EOF) }

// shutdownAll ends the process's use of the stack (Python's atexit): it
// closes every socket still open (graceful SHUTDOWN, RFC 9260 §9.2), waits
// up to linger for those shutdowns to complete — a kernel finishes them
// after the process exits, a userspace stack only while it runs, so a
// script that closes its socket and exits would otherwise leave the peer
// with an association that only heartbeat failure ends — and then closes
// the stack (aborting whatever is still open).
func shutdownAll(linger time.Duration) {
	regMu.Lock()
	socks := make([]*sock, 0, len(reg))
	for h, k := range reg {
		socks = append(socks, k)
		delete(reg, h)
	}
	regMu.Unlock()
	for _, k := range socks {
		k.close()
	}
	stackMu.Lock()
	st := stack
	stackMu.Unlock()
	if st == nil {
		return
	}
	deadline := time.Now().Add(linger)
	for time.Now().Before(deadline) {
		s, err := st.Stats()
		if err != nil || s.Associations == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond) // polled: the API has no "all associations gone" signal
	}
	st.Close()
}
