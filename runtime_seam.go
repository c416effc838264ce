package sctp

import (
	"context"
	"net/netip"
	"time"
)

// This file is the only place where the socket API touches the runtime
// endpoint (endpoint.go): rtStack wraps an *Endpoint, rtAssoc an *Assoc.
// Options that read or change live association state run on the
// endpoint's loop goroutine through Assoc.do (the association is owned by
// that goroutine).

// peer returns the peer's primary IP and SCTP port.
func (h *assocHandle) peerSCTPAddr() netip.AddrPort {
	return netip.AddrPortFrom(h.peerAddr().Addr().Unmap(), h.peerSCTPPort())
}

// next returns the association's next message or event as a queue item.
func (h *assocHandle) nextItem(ctx context.Context) (rqItem, error) {
	d, err := h.next(ctx)
	if err != nil {
		return rqItem{}, err
	}
	if d.Event != nil {
		return rqItem{ev: d.Event}, nil
	}
	it := rqItem{msg: d.Data, rec: h, info: SndRcvInfo{Stream: d.Stream, SSN: d.SSN, PPID: d.PPID, TSN: d.TSN}}
	if d.Unordered {
		it.info.Flags = MSG_UNORDERED
	}
	return it, nil
}

func sendParams(si *SndInfo) SendParams {
	return SendParams{Stream: si.Stream, PPID: si.PPID, Unordered: si.Flags&MSG_UNORDERED != 0, TTL: si.TTL, Context: si.Context}
}

// apiStats is AssocStats plus what Status needs from the data path.
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
		s.MTU = as.cfg.mtu
		s.MaxRxt = as.cfg.maxRetrans
		if as.data != nil {
			s.UnackData = as.data.snd.chunks.len()
			s.PendData = as.data.snd.pending.len()
		}
	})
	if err != nil {
		s.State = SCTP_CLOSED
	}
	return s
}

// paths returns every path of the association, the primary first.
func (h *assocHandle) paths() []PaddrInfo {
	var out []PaddrInfo
	h.do(func(as *association, now time.Time) {
		ps := as.paths
		if ps == nil {
			return
		}
		st := as.stats()
		add := func(i int) {
			p := ps.path(i)
			state := SCTP_INACTIVE
			switch {
			case p.active && p.confirmed:
				state = SCTP_ACTIVE
			case p.active:
				state = SCTP_UNCONFIRMED
			}
			info := PaddrInfo{
				Addr: netip.AddrPortFrom(p.addr.Addr(), as.peerPort), UDPPort: p.addr.Port(), State: state,
				Cwnd: st.Cwnd, SRTT: p.srtt, RTO: p.rto, MTU: uint32(as.cfg.mtu),
			}
			if i == ps.primary && info.SRTT == 0 {
				info.SRTT = st.SRTT // measured on DATA (the primary carries it)
			}
			out = append(out, info)
		}
		add(ps.primary)
		for i := range ps.len() {
			if i != ps.primary {
				add(i)
			}
		}
	})
	return out
}

func (h *assocHandle) peerAddrs() []netip.AddrPort {
	var out []netip.AddrPort
	h.do(func(as *association, now time.Time) {
		if as.paths == nil {
			return
		}
		for i := range as.paths.len() {
			out = append(out, netip.AddrPortFrom(as.paths.path(i).addr.Addr(), as.peerPort))
		}
	})
	if len(out) == 0 {
		out = append(out, h.peerSCTPAddr()) // closed: the address it was set up with
	}
	return out
}

// setPrimary makes the path to ip the primary (RFC 9260 §6.4, user
// request); the path must be confirmed.
func (h *assocHandle) setPrimary(ip netip.Addr) error {
	var found, ok bool
	err := h.do(func(as *association, now time.Time) {
		if as.paths == nil {
			return
		}
		var i int
		if i, found = as.paths.find(ip); found {
			ok = as.paths.setPrimary(i)
		}
	})
	switch {
	case err != nil:
		return err
	case !found:
		return invalidArg("%v is not a peer address", ip)
	case !ok:
		return invalidArg("%v is not confirmed yet (RFC 9260 §5.4)", ip)
	}
	return nil
}

// remoteUDPPort returns the remote encapsulation port of the path to ip
// (zero ip: the primary path).
func (h *assocHandle) remoteUDPPort(ip netip.Addr) uint16 {
	port := h.peerAddr().Port()
	h.do(func(as *association, now time.Time) {
		ps := as.paths
		if ps == nil {
			return
		}
		i, ok := ps.primary, true
		if ip.IsValid() {
			i, ok = ps.find(ip)
		}
		if ok {
			port = ps.path(i).addr.Port()
		}
	})
	return port
}

// setRemoteUDPPort sets the remote encapsulation port of the path to ip
// (zero ip: every path), RFC 6951 §5.4 per-destination port.
func (h *assocHandle) setRemoteUDPPort(ip netip.Addr, port uint16) error {
	return h.do(func(as *association, now time.Time) {
		ps := as.paths
		if ps == nil {
			return
		}
		for i := range ps.len() {
			if !ip.IsValid() || ps.path(i).addr.Addr() == ip {
				ps.setUDPPort(i, port)
			}
		}
	})
}

func (h *assocHandle) rtoInfo() RTOInfo {
	var r RTOInfo
	h.do(func(as *association, now time.Time) {
		c := as.cfg.rto
		r = RTOInfo{Initial: c.initial, Min: c.min, Max: c.max}
	})
	return r
}

// setRTOInfo changes the RTO bounds of a live association (RFC 9260
// §6.3.1 C6/C7 clamp the current RTO to the new bounds).
func (h *assocHandle) setRTOInfo(r RTOInfo) error {
	return h.do(func(as *association, now time.Time) {
		c := rtoConfig{initial: r.Initial, min: r.Min, max: r.Max}
		as.cfg.rto = c
		if as.data != nil {
			as.data.rto.cfg = c
			as.data.rto.rto = as.data.rto.clamp(as.data.rto.rto)
		}
		if ps := as.paths; ps != nil {
			ps.cfg.rtoInitial, ps.cfg.rtoMin, ps.cfg.rtoMax = c.initial, c.min, c.max
			for i := range ps.len() {
				pp := ps.path(i)
				pp.rto = min(max(pp.rto, c.min), c.max)
			}
		}
	})
}

// fragmentationPoint is the largest DATA payload in one packet: the SCTP
// packet size less the common header (12) and the DATA chunk header (16),
// RFC 9260 §3.3.1; maxseg, if set, lowers it.
func (h *assocHandle) fragmentationPoint(maxseg int) int {
	mtu := 0
	h.do(func(as *association, now time.Time) { mtu = as.cfg.mtu })
	fp := mtu - 12 - 16
	if maxseg > 0 && maxseg < fp {
		fp = maxseg
	}
	return fp
}

// setAssocMaxRxt changes Association.Max.Retrans of a live association
// (RFC 9260 §8.1), used by both the T3-rtx and the heartbeat counting.
func (h *assocHandle) setAssocMaxRxt(n int) error {
	return h.do(func(as *association, now time.Time) {
		as.cfg.maxRetrans = n
		if as.data != nil {
			as.data.cfg.maxRetrans = n
		}
	})
}

// paddrParams reads the live heartbeat, Path.Max.Retrans and SACK delay
// settings of the association (they apply to all its paths).
func (h *assocHandle) paddrParams() (PaddrParams, error) {
	var p PaddrParams
	err := h.do(func(as *association, now time.Time) {
		c := as.cfg
		p = PaddrParams{HBInterval: c.hbInterval, PathMaxRxt: uint16(c.pathMaxRetrans), SackDelay: c.sackDelay,
			PathMTU: uint32(c.mtu) + 48}
		if as.paths != nil {
			p.HBInterval, p.PathMaxRxt = as.paths.cfg.hbInterval, uint16(as.paths.cfg.maxRetrans)
		}
		if as.data != nil {
			p.SackDelay = as.data.cfg.sackDelay
		}
		p.Flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE | SPP_SACKDELAY_ENABLE
		if c.hbDisabled {
			p.Flags = SPP_HB_DISABLE | SPP_PMTUD_DISABLE | SPP_SACKDELAY_ENABLE
		}
	})
	return p, err
}

// setPaddrParams changes the heartbeat interval, Path.Max.Retrans, SACK
// delay and heartbeat on/off of a live association; zero fields are left
// unchanged. The engine keeps these per association, so they apply to
// every path. The new heartbeat interval takes effect from each path's
// next heartbeat.
func (h *assocHandle) setPaddrParams(p PaddrParams) error {
	return h.do(func(as *association, now time.Time) {
		if p.HBInterval > 0 {
			as.cfg.hbInterval = p.HBInterval
			if as.paths != nil {
				as.paths.cfg.hbInterval = p.HBInterval
			}
		}
		if p.PathMaxRxt > 0 {
			as.cfg.pathMaxRetrans = int(p.PathMaxRxt)
			if as.paths != nil {
				as.paths.cfg.maxRetrans = int(p.PathMaxRxt)
			}
		}
		if p.SackDelay > 0 {
			as.cfg.sackDelay = p.SackDelay
			if as.data != nil {
				as.data.cfg.sackDelay = p.SackDelay
			}
		}
		if p.Flags&(SPP_HB_ENABLE|SPP_HB_DISABLE) != 0 {
			off := p.Flags&SPP_HB_DISABLE != 0
			as.cfg.hbDisabled = off
			if as.paths != nil {
				as.paths.cfg.hbDisabled = off
			}
		}
	})
}
