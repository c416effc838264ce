package sctp

import (
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// This file is the only place where the API reaches the runtime's
// associations: the assocHandle methods the socket layer calls for
// options and status. What reads or changes live association state runs
// on the runner's loop goroutine (the association's owner) through
// assocHandle.do, and calls METHODS of the association only — never its
// fields (association_config.go is the engine's side of this seam).

// peerSCTPAddr returns the peer's primary IP and SCTP port.
func (h *assocHandle) peerSCTPAddr() netip.AddrPort {
	return netip.AddrPortFrom(h.peerAddr().Addr().Unmap(), h.peerSCTPPort())
}

// apiStats is AssocStats plus what SCTP_STATUS needs from the data path.
type apiStats struct {
	AssocStats
	UnackData int // DATA chunks sent, not cumulatively acknowledged
	PendData  int // messages queued, not yet cut into chunks
	MTU       int // SCTP packet size
	MaxRxt    int // Association.Max.Retrans in force
}

func (h *assocHandle) statusStats() apiStats {
	var s apiStats
	err := h.do(func(as *association, now time.Time) {
		s.AssocStats = as.stats()
		s.MTU = as.packetSize()
		s.MaxRxt = as.maxRetrans()
		s.UnackData, s.PendData = as.outstanding()
	})
	if err != nil {
		// Ended: the counters as they were at the end (kept by the loop
		// at the terminal event), State CLOSED.
		h.r.do(func(time.Time) {
			if h.final != nil {
				s.AssocStats = *h.final
			}
		})
		s.State = SCTP_CLOSED
	}
	return s
}

// paths returns every path of the association, the primary first.
func (h *assocHandle) paths() []PaddrInfo {
	var ps []pathInfo
	h.do(func(as *association, now time.Time) { ps = as.pathInfos(nil) })
	var out []PaddrInfo
	for _, p := range ps {
		state := SCTP_INACTIVE
		switch {
		case p.pf:
			state = SCTP_PF // RFC 7829 §5.1
		case p.active && p.confirmed:
			state = SCTP_ACTIVE
		case p.active:
			state = SCTP_UNCONFIRMED
		}
		pi := PaddrInfo{Addr: p.addr, UDPPort: p.udpPort, State: state,
			Cwnd: p.cwnd, SRTT: p.srtt, RTO: p.rto, MTU: uint32(p.mtu)}
		if p.pmtud.state != pmtudDisabled {
			pi.PMTUD = p.pmtud.state.String()
			pi.PMTUProbes, pi.PMTUProbesAcked, pi.PMTUBlackHoles = p.pmtud.probes, p.pmtud.acked, p.pmtud.blackHoles
		}
		out = append(out, pi)
	}
	return out
}

func (h *assocHandle) peerAddrs() []netip.AddrPort {
	var out []netip.AddrPort
	h.do(func(as *association, now time.Time) { out = as.peerAddrs(out) })
	if len(out) == 0 {
		out = append(out, h.peerSCTPAddr()) // closed: the address it was set up with
	}
	return out
}

// setPrimary makes the path to ip the primary (RFC 9260 §6.4, user
// request); the path must be confirmed.
func (h *assocHandle) setPrimary(ip netip.Addr) error {
	var perr error
	if err := h.do(func(as *association, now time.Time) { perr = as.setPrimaryPath(ip) }); err != nil {
		return err
	}
	return perr
}

// remoteUDPPort returns the remote encapsulation port of the path to ip
// (zero ip: the primary path).
func (h *assocHandle) remoteUDPPort(ip netip.Addr) uint16 {
	port := h.peerAddr().Port()
	h.do(func(as *association, now time.Time) {
		if p, ok := as.pathUDPPort(ip); ok {
			port = p
		}
	})
	return port
}

// setRemoteUDPPort sets the remote encapsulation port of the path to ip
// (zero ip: every path), RFC 6951 §5.4 per-destination port.
func (h *assocHandle) setRemoteUDPPort(ip netip.Addr, port uint16) error {
	return h.do(func(as *association, now time.Time) { as.setPathUDPPort(ip, port) })
}

// rtoInfoOf is the engine's RTO bounds as the API reports them;
// MaxBackoff is 0 when unset.
func rtoInfoOf(b rtoBounds) RTOInfo {
	return RTOInfo{Initial: b.initial, Min: b.min, Max: b.max, MaxBackoff: b.maxBackoff}
}

// bounds is r as the engine takes it.
func (r RTOInfo) bounds() rtoBounds {
	return rtoBounds{initial: r.Initial, min: r.Min, max: r.Max, maxBackoff: r.MaxBackoff}
}

func (h *assocHandle) rtoInfo() RTOInfo {
	var r RTOInfo
	h.do(func(as *association, now time.Time) { r = rtoInfoOf(as.rtoParams()) })
	return r
}

// setRTOInfo changes the RTO bounds of a live association (RFC 9260
// §6.3.1 C6/C7 clamp the current RTO to the new bounds).
func (h *assocHandle) setRTOInfo(r RTOInfo) error {
	return h.do(func(as *association, now time.Time) { as.setRTOBounds(r.bounds()) })
}

// fragmentationPoint is the largest DATA payload in one packet (RFC 9260
// §3.3.1); maxseg, if set, lowers it.
func (h *assocHandle) fragmentationPoint(maxseg int) int {
	fp := 0
	h.do(func(as *association, now time.Time) { fp = as.fragmentationPoint(maxseg) })
	return fp
}

// setAssocMaxRxt changes Association.Max.Retrans of a live association
// (RFC 9260 §8.1), used by both the T3-rtx and the heartbeat counting.
func (h *assocHandle) setAssocMaxRxt(n int) error {
	return h.do(func(as *association, now time.Time) { as.setMaxRetrans(n) })
}

// paddrParams reads the live heartbeat, Path.Max.Retrans and SACK delay
// settings of the association (they apply to all its paths).
func (h *assocHandle) paddrParams() (PaddrParams, error) {
	var pp pathParams
	err := h.do(func(as *association, now time.Time) { pp = as.pathParams() })
	return paddrParamsOf(pp), err
}

// paddrParamsOf maps the engine's path settings to SCTP_PEER_ADDR_PARAMS
// (RFC 6458 §8.1.12).
func paddrParamsOf(pp pathParams) PaddrParams {
	p := PaddrParams{HBInterval: pp.hbInterval, PathMaxRxt: uint16(pp.pathMaxRetrans), SackDelay: pp.sackDelay,
		PathMTU: uint32(pp.pathMTU)}
	p.Flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE | SPP_SACKDELAY_ENABLE
	if pp.hbDisabled {
		p.Flags = SPP_HB_DISABLE | SPP_PMTUD_DISABLE | SPP_SACKDELAY_ENABLE
	}
	if pp.pmtud {
		p.Flags = p.Flags&^SPP_PMTUD_DISABLE | SPP_PMTUD_ENABLE
	}
	return p
}

// setPaddrParams changes the heartbeat interval, Path.Max.Retrans, SACK
// delay and heartbeat on/off of a live association; zero fields are left
// unchanged. The engine keeps these per association, so they apply to
// every path. The new heartbeat interval takes effect from each path's
// next heartbeat.
func (h *assocHandle) setPaddrParams(p PaddrParams) error {
	return h.do(func(as *association, now time.Time) {
		if p.HBInterval > 0 {
			as.setHeartbeatInterval(p.HBInterval)
		}
		if p.PathMaxRxt > 0 {
			as.setPathMaxRetrans(int(p.PathMaxRxt))
		}
		if p.SackDelay > 0 {
			as.setSackDelay(p.SackDelay)
		}
		if p.Flags&(SPP_HB_ENABLE|SPP_HB_DISABLE) != 0 {
			as.setHeartbeatsEnabled(p.Flags&SPP_HB_DISABLE == 0)
		}
		if p.Flags&(SPP_PMTUD_ENABLE|SPP_PMTUD_DISABLE) != 0 {
			as.setPMTUDEnabled(now, p.Flags&SPP_PMTUD_ENABLE != 0)
		}
	})
}

// resetStreams asks for SSN resets of streams (RFC 6525; SCTP_RESET_STREAMS).
func (h *assocHandle) resetStreams(flags uint16, streams []uint16) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.resetStreams(now, flags, streams) }); err != nil {
		return err
	}
	return rerr
}

// resetAssoc asks for an SSN/TSN reset (RFC 6525; SCTP_RESET_ASSOC).
func (h *assocHandle) resetAssoc() error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.resetAssoc(now) }); err != nil {
		return err
	}
	return rerr
}

// addStreams asks for more streams (RFC 6525; SCTP_ADD_STREAMS).
func (h *assocHandle) addStreams(in, out uint16) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.addStreams(now, in, out) }); err != nil {
		return err
	}
	return rerr
}

// streamResetFlags reads SCTP_ENABLE_STREAM_RESET of the live association.
func (h *assocHandle) streamResetFlags() (uint32, error) {
	var f uint32
	err := h.do(func(as *association, now time.Time) { f = as.streamResetFlags() })
	return f, err
}

// setStreamResetFlags sets SCTP_ENABLE_STREAM_RESET on the live association.
func (h *assocHandle) setStreamResetFlags(f uint32) error {
	return h.do(func(as *association, now time.Time) { as.setStreamResetFlags(f) })
}

// prStatus returns the PR-SCTP abandonment counters of policy for the
// association (stream < 0) or one of its outgoing streams (RFC 7496 §4.3).
func (h *assocHandle) prStatus(policy PRPolicy, stream int) (PRStatus, error) {
	var st PRStatus
	err := h.do(func(as *association, now time.Time) {
		st.AbandonedUnsent, st.AbandonedSent = as.prStatus(policy, stream)
	})
	return st, err
}

// setPartialDeliveryPoint sets SCTP_PARTIAL_DELIVERY_POINT on the live
// association.
func (h *assocHandle) setPartialDeliveryPoint(n int) error {
	return h.do(func(as *association, now time.Time) { as.setPartialDeliveryPoint(n) })
}

// partialDeliveryPoint reads it (the default resolved).
func (h *assocHandle) partialDeliveryPoint() (int, error) {
	var n int
	err := h.do(func(as *association, now time.Time) { n = as.partialDeliveryPoint() })
	return n, err
}

// streamScheduler reads SCTP_STREAM_SCHEDULER of the live association.
func (h *assocHandle) streamScheduler() (StreamScheduler, error) {
	var k StreamScheduler
	err := h.do(func(as *association, now time.Time) { k = as.streamScheduler() })
	return k, err
}

// setStreamScheduler sets SCTP_STREAM_SCHEDULER (RFC 8260 §4.3.2).
func (h *assocHandle) setStreamScheduler(k StreamScheduler) error {
	var serr error
	if err := h.do(func(as *association, now time.Time) { serr = as.setStreamScheduler(k) }); err != nil {
		return err
	}
	return serr
}

// streamSchedulerValue reads SCTP_STREAM_SCHEDULER_VALUE of one stream.
func (h *assocHandle) streamSchedulerValue(stream uint16) (uint16, error) {
	var v uint16
	var serr error
	if err := h.do(func(as *association, now time.Time) { v, serr = as.streamSchedulerValue(stream) }); err != nil {
		return 0, err
	}
	return v, serr
}

// setStreamSchedulerValue sets SCTP_STREAM_SCHEDULER_VALUE (RFC 8260
// §4.3.3) of one stream.
func (h *assocHandle) setStreamSchedulerValue(stream, v uint16) error {
	var serr error
	if err := h.do(func(as *association, now time.Time) { serr = as.setStreamSchedulerValue(stream, v) }); err != nil {
		return err
	}
	return serr
}

// requestAsconf asks the peer for an address change (RFC 5061:
// chunk.ParamAddIPAddr, ParamDeleteIPAddr, ParamSetPrimaryAddr).
func (h *assocHandle) requestAsconf(kind chunk.ParamType, addr netip.Addr) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.requestAsconf(now, kind, addr) }); err != nil {
		return err
	}
	return rerr
}

// setAuthKey, setAuthActiveKey and deleteAuthKey change the AUTH keys of
// the live association (SCTP_AUTH_KEY, SCTP_AUTH_ACTIVE_KEY,
// SCTP_AUTH_DELETE_KEY with an association id).
func (h *assocHandle) setAuthKey(keyID uint16, secret []byte) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.setAuthKey(keyID, secret) }); err != nil {
		return err
	}
	return rerr
}

func (h *assocHandle) setAuthActiveKey(keyID uint16) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.setAuthActiveKey(keyID) }); err != nil {
		return err
	}
	return rerr
}

func (h *assocHandle) deleteAuthKey(keyID uint16) error {
	var rerr error
	if err := h.do(func(as *association, now time.Time) { rerr = as.deleteAuthKey(keyID) }); err != nil {
		return err
	}
	return rerr
}
