package sctp

import (
	"errors"
	"net/netip"
	"testing"
)

// SCTP_PEER_ADDR_THLDS (RFC 7829 §7.2): defaults for new associations,
// live changes, and errors for foreign addresses.
func TestPeerAddrThresholds(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli := pair.cli
	th, err := cli.PeerAddrThresholds(0, pair.addr)
	if err != nil || th.PathMaxRxt != assocDefaultPathMaxRetrans || th.PathPFThld != assocDefaultPFThreshold || th.Addr != pair.addr {
		t.Fatalf("defaults = %+v, %v; want Path.Max.Retrans %d, PF threshold %d", th, err, assocDefaultPathMaxRetrans, assocDefaultPFThreshold)
	}
	if err := cli.SetPeerAddrThresholds(0, PaddrThresholds{Addr: pair.addr, PathMaxRxt: 7, PathPFThld: 3}); err != nil {
		t.Fatal(err)
	}
	if th, err := cli.PeerAddrThresholds(0, netip.AddrPort{}); err != nil || th.PathMaxRxt != 7 || th.PathPFThld != 3 {
		t.Fatalf("after a live set = %+v, %v", th, err)
	}
	// The live change reached the association (Path.Max.Retrans is shared
	// with SCTP_PEER_ADDR_PARAMS).
	if p, err := cli.PaddrParams(0, pair.addr); err != nil || p.PathMaxRxt != 7 {
		t.Fatalf("PaddrParams after the thresholds changed = %+v, %v", p, err)
	}
	// PathMaxRxt 0 leaves Path.Max.Retrans; PathPFThld is always set.
	if err := cli.SetPeerAddrThresholds(0, PaddrThresholds{PathPFThld: 0}); err != nil {
		t.Fatal(err)
	}
	if th, _ := cli.PeerAddrThresholds(0, netip.AddrPort{}); th.PathMaxRxt != 7 || th.PathPFThld != 0 {
		t.Fatalf("after setting the PF threshold alone = %+v", th)
	}
	foreign := netip.MustParseAddrPort("10.1.1.1:5")
	if err := cli.SetPeerAddrThresholds(0, PaddrThresholds{Addr: foreign}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetPeerAddrThresholds for a foreign address: %v", err)
	}
	if _, err := cli.PeerAddrThresholds(0, foreign); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PeerAddrThresholds for a foreign address: %v", err)
	}
	if _, err := cli.PeerAddrThresholds(4242, netip.AddrPort{}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("PeerAddrThresholds of another association: %v", err)
	}
	// The association still works.
	if _, err := cli.SCTPSend([]byte("ok"), nil); err != nil {
		t.Fatal(err)
	}
	recvData(t, pair.conn.Socket)
}

// Defaults set on an unconnected socket apply to its new associations.
func TestPeerAddrThresholdsDefaults(t *testing.T) {
	st, _ := stackPair(t)
	s, err := st.NewSocketUDP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetPeerAddrThresholds(0, PaddrThresholds{PathMaxRxt: 4, PathPFThld: 1}); err != nil {
		t.Fatal(err)
	}
	th, err := s.PeerAddrThresholds(0, netip.AddrPort{})
	if err != nil || th.PathMaxRxt != 4 || th.PathPFThld != 1 {
		t.Fatalf("defaults after set = %+v, %v", th, err)
	}
	if c := s.assocConfigLockedForTest(); c.pathMaxRetrans != 4 || c.pfThreshold != 1 {
		t.Fatalf("config of new associations: Path.Max.Retrans %d, PF threshold %d", c.pathMaxRetrans, c.pfThreshold)
	}
}

// assocConfigLockedForTest returns the defaulted config new associations
// of s get.
func (s *Socket) assocConfigLockedForTest() assocConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engineDefaultsLocked()
}
