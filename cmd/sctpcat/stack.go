package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"

	sctp "github.com/usctp/sctp"
	"github.com/usctp/sctp/udpencap"
)

// stack is an usctp stack on its own UDP socket, plus what sctpcat
// learns about the socket: ICMP errors (for "peer unreachable" messages)
// and the optional pcap capture file.
type stack struct {
	*sctp.Stack
	pcap     *pcapFile // -pcap capture, closed after the stack
	icmpMu   sync.Mutex
	icmpSeen map[netip.AddrPort]bool // destinations that answered ICMP port unreachable
}

// openStack binds UDP laddr (network udp, udp4 or udp6) and starts a stack
// on it; pcapPath, if set, records every packet (StackConfig.Capture). A
// busy port gives a *portInUseError naming the flag that picks another.
func openStack(network string, laddr netip.AddrPort, pcapPath, portFlag string) (*stack, error) {
	st := &stack{icmpSeen: make(map[netip.AddrPort]bool)}
	cfg := sctp.StackConfig{
		Network:    network,
		LocalAddr:  laddr,
		UDPOptions: []udpencap.Option{udpencap.WithICMPHandler(st.onICMP)},
	}
	var created bool // the -pcap file did not exist before
	if pcapPath != "" {
		_, statErr := os.Stat(pcapPath)
		created = errors.Is(statErr, os.ErrNotExist)
		// Opened without truncating: a run that cannot bind its UDP port
		// leaves an existing file as it was (the stack's first write
		// truncates it).
		f, err := os.OpenFile(pcapPath, os.O_WRONLY|os.O_CREATE, 0o666)
		if err != nil {
			return nil, fmt.Errorf("-pcap: %w", err)
		}
		st.pcap = &pcapFile{f: f}
		cfg.Capture = st.pcap
	}
	s, err := sctp.NewStack(cfg)
	if err != nil {
		if st.pcap != nil {
			st.pcap.f.Close()
			if created {
				os.Remove(pcapPath)
			}
		}
		if isAddrInUse(err) {
			return nil, &portInUseError{port: laddr.Port(), flag: portFlag}
		}
		return nil, fmt.Errorf("UDP %v: %w", laddr, err)
	}
	st.Stack = s
	return st, nil
}

// Close closes the stack, which flushes the capture, then the capture
// file.
func (st *stack) Close() error {
	err := st.Stack.Close()
	if st.pcap != nil {
		if ferr := st.pcap.f.Close(); ferr != nil && err == nil {
			err = fmt.Errorf("-pcap: %w", ferr)
		}
	}
	return err
}

// pcapFile is the -pcap file; the stack's first write truncates it. The
// stack serialises its writes.
type pcapFile struct {
	f       *os.File
	started bool
}

func (p *pcapFile) Write(b []byte) (int, error) {
	if !p.started {
		p.started = true
		if err := p.f.Truncate(0); err != nil {
			return 0, err
		}
	}
	return p.f.Write(b)
}

func (st *stack) onICMP(e udpencap.ICMPError) {
	if !e.PortUnreachable {
		return
	}
	st.icmpMu.Lock()
	st.icmpSeen[netip.AddrPortFrom(e.To.Addr().Unmap(), e.To.Port())] = true
	st.icmpMu.Unlock()
}

// portUnreachable reports whether an ICMP port unreachable came back for
// datagrams sent to to (Linux only; elsewhere always false).
func (st *stack) portUnreachable(to netip.AddrPort) bool {
	st.icmpMu.Lock()
	defer st.icmpMu.Unlock()
	return st.icmpSeen[netip.AddrPortFrom(to.Addr().Unmap(), to.Port())]
}

// portInUseError is a local UDP port already bound by another process.
type portInUseError struct {
	port uint16
	flag string
}

func (e *portInUseError) Error() string {
	return fmt.Sprintf("UDP port %d is already in use (another sctpcat, usrsctp program or kernel SCTP encapsulation?); choose another with %s N (0: any free port)", e.port, e.flag)
}

func isAddrInUse(err error) bool {
	if errors.Is(err, syscall.EADDRINUSE) {
		return true
	}
	// Windows reports WSAEADDRINUSE (10048), not syscall.EADDRINUSE.
	s := err.Error()
	return strings.Contains(s, "address already in use") || strings.Contains(s, "Only one usage of each socket address")
}
