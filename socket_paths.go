package sctp

import (
	"net/netip"
	"time"
)

// PaddrThresholds holds the failover thresholds of the paths of an
// association (SCTP_PEER_ADDR_THLDS, RFC 7829 §7.2). A zero Addr names
// every path; the engine keeps the thresholds per association, so a
// given Addr must be a peer address but the values apply to all paths.
//
// A path whose error counter (RFC 9260 §8.2: T3-rtx expiries and
// unanswered HEARTBEATs) exceeds PathPFThld is potentially failed (RFC
// 7829 §5.1): new DATA and retransmissions move to another path at once,
// the path is probed with a HEARTBEAT per RTO, and it takes its traffic
// back when one is answered (events: AddrPotentiallyFailed, then
// AddrAvailable). Past PathMaxRxt it is inactive (AddrUnreachable).
// PathPFThld at or above PathMaxRxt turns the PF state off: plain RFC
// 9260 failover after PathMaxRxt+1 timeouts, about a minute with the RFC
// defaults. The default PathPFThld is 0: data flows on an alternate path
// one RTO after the primary failed (assocDefaultPFThreshold explains).
type PaddrThresholds struct {
	Addr       netip.AddrPort
	PathMaxRxt uint16 // Path.Max.Retrans (RFC 9260 §8.2, default 5); 0 in a setter: unchanged
	PathPFThld uint16 // RFC 7829 PF threshold (PFMR, default 0)
}

// PeerAddrThresholds returns the failover thresholds of association id
// (0: the defaults of new associations; on a connected one-to-one socket
// its association's) for peer address addr (zero: every path).
func (s *Socket) PeerAddrThresholds(id AssocID, addr netip.AddrPort) (PaddrThresholds, error) {
	if id != 0 || s.style == TCP_STYLE {
		e, err := s.entry(id)
		if err != nil && id != 0 {
			return PaddrThresholds{}, err
		}
		if e != nil {
			if addr.IsValid() {
				if err := e.checkPeer(addr); err != nil {
					return PaddrThresholds{}, err
				}
			}
			t, err := e.a.thresholds()
			t.Addr = addr
			return t, err
		}
	}
	if err := s.lockOpen(); err != nil {
		return PaddrThresholds{}, err
	}
	c := s.engineDefaultsLocked()
	s.mu.Unlock()
	maxRxt, pf := c.thresholds()
	return PaddrThresholds{Addr: addr, PathMaxRxt: uint16(maxRxt), PathPFThld: uint16(pf)}, nil
}

// SetPeerAddrThresholds sets the failover thresholds (RFC 7829 §7.2): of
// association id, or with id 0 the defaults of new associations (and, on
// a connected one-to-one socket, of its association). PathMaxRxt 0 leaves
// Path.Max.Retrans unchanged; PathPFThld is always set.
func (s *Socket) SetPeerAddrThresholds(id AssocID, t PaddrThresholds) error {
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	e, err := s.optionEntryLocked(id, t.Addr)
	if err != nil {
		return err
	}
	if e != nil {
		if err := e.a.setThresholds(int(t.PathMaxRxt), int(t.PathPFThld)); err != nil {
			return err
		}
		if id != 0 {
			return nil
		}
	}
	if t.PathMaxRxt != 0 {
		s.opts.paddr.PathMaxRxt = t.PathMaxRxt
	}
	s.opts.pfThld = int(t.PathPFThld)
	return s.relistenLocked()
}

// thresholds reads Path.Max.Retrans and the PF threshold of the live
// association.
func (h *assocHandle) thresholds() (PaddrThresholds, error) {
	var maxRxt, pf int
	err := h.do(func(as *association, now time.Time) { maxRxt, pf = as.cfg.thresholds() })
	return PaddrThresholds{PathMaxRxt: uint16(maxRxt), PathPFThld: uint16(pf)}, err
}

// setThresholds changes Path.Max.Retrans (0: unchanged) and the PF
// threshold of the live association.
func (h *assocHandle) setThresholds(maxRxt, pf int) error {
	return h.do(func(as *association, now time.Time) { as.setThresholds(now, maxRxt, pf) })
}

// thresholds returns Path.Max.Retrans and the RFC 7829 PF threshold.
func (c assocConfig) thresholds() (pathMaxRetrans, pfThreshold int) {
	return c.pathMaxRetrans, c.pfThreshold
}

// setPFThreshold sets the RFC 7829 PF threshold (PFMR) of new
// associations (SCTP_PEER_ADDR_THLDS spt_pathpfthld).
func (c *assocConfig) setPFThreshold(n int) { c.pfThreshold = max(n, 0) }

// setThresholds changes Path.Max.Retrans (0: unchanged) and the PF
// threshold of every path (RFC 7829 §7.2); path states follow at the next
// error or acknowledgement.
func (a *association) setThresholds(now time.Time, pathMaxRetrans, pf int) {
	if pathMaxRetrans > 0 {
		a.cfg.pathMaxRetrans = pathMaxRetrans
	}
	a.cfg.setPFThreshold(pf)
	_ = now
}
