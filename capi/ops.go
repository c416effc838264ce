package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	sctp "github.com/usctp/sctp"
)

// Everything but send and receive goes through one JSON call
// (usctp_op): the request names the operation and carries its arguments,
// the reply is a JSON object. Addresses are [host, port] pairs with
// numeric hosts ("" = wildcard); times are milliseconds (autoclose:
// seconds), as in pysctp.

type req struct {
	Assoc   uint32          `json:"assoc_id"`
	Addr    *jaddr          `json:"addr"`
	Addrs   []jaddr         `json:"addrs"`
	Action  int             `json:"action"`
	Backlog int             `json:"backlog"`
	How     int             `json:"how"`
	V       json.RawMessage `json:"v"`
	Port    int             `json:"port"`
}

// jaddr is [host, port].
type jaddr [2]any

func (a jaddr) parse() (netip.AddrPort, error) {
	host, ok1 := a[0].(string)
	port, ok2 := a[1].(float64)
	if !ok1 || !ok2 || port < 0 || port > 65535 || port != float64(int(port)) {
		return netip.AddrPort{}, fmt.Errorf("%w: address %v (want [numeric host, port])", sctp.ErrInvalidArgument, [2]any(a))
	}
	if host == "" {
		return netip.AddrPortFrom(netip.Addr{}, uint16(port)), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q: %v", sctp.ErrInvalidArgument, host, err)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

func mkaddr(a netip.AddrPort) any {
	if !a.IsValid() {
		return nil
	}
	return []any{a.Addr().String(), a.Port()}
}

func mkaddrs(l []netip.AddrPort) []any {
	out := make([]any, 0, len(l))
	for _, a := range l {
		out = append(out, mkaddr(a))
	}
	return out
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
func dur(v int64) time.Duration {
	return time.Duration(v) * time.Millisecond
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Linux values of the notification states (pysctp's class constants); the
// library numbers them from 1.
func assocStateLinux(s sctp.AssocChangeState) int { return int(s) - 1 }
func addrStateLinux(s sctp.PeerAddrState) int     { return int(s) - 1 }

// doOp runs one operation on socket k (nil for stack-level operations).
func doOp(k *sock, op string, in []byte, timeoutMs int) (any, error) {
	var r req
	if len(in) > 0 {
		if err := json.Unmarshal(in, &r); err != nil {
			return nil, fmt.Errorf("%w: request: %v", sctp.ErrInvalidArgument, err)
		}
	}
	s := k.s
	id := sctp.AssocID(r.Assoc)
	addr := func() (netip.AddrPort, error) {
		if r.Addr == nil {
			return netip.AddrPort{}, fmt.Errorf("%w: missing address", sctp.ErrInvalidArgument)
		}
		return r.Addr.parse()
	}
	addrs := func() ([]netip.AddrPort, error) {
		if len(r.Addrs) == 0 {
			return nil, fmt.Errorf("%w: empty address list", sctp.ErrInvalidArgument)
		}
		out := make([]netip.AddrPort, len(r.Addrs))
		for i, a := range r.Addrs {
			p, err := a.parse()
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	var iv int64
	var bv bool
	if len(r.V) > 0 {
		json.Unmarshal(r.V, &iv)
		bv = iv != 0
		if string(r.V) == "true" {
			bv, iv = true, 1
		}
	}
	switch op {
	case "bind":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		return nil, s.Bind(a)
	case "bindx":
		l, err := addrs()
		if err != nil {
			return nil, err
		}
		return nil, s.Bindx(l, sctp.BindxAction(r.Action))
	case "listen":
		if err := s.Listen(r.Backlog); err != nil {
			return nil, err
		}
		noteListen(k)
		if k.tcp {
			k.startAcceptPump()
		}
		return nil, nil
	case "connect", "connectx":
		var l []netip.AddrPort
		var err error
		if op == "connect" {
			var a netip.AddrPort
			a, err = addr()
			l = []netip.AddrPort{a}
		} else {
			l, err = addrs()
		}
		if err != nil {
			return nil, err
		}
		ctx, cancel := k.opCtx(timeoutMs)
		defer cancel()
		var aid sctp.AssocID
		err = k.withSelfPort(l, func() (err error) {
			aid, err = s.ConnectxContext(ctx, l)
			return err
		})
		if err = k.ctxErr(ctx, err); err != nil {
			return nil, err
		}
		return map[string]any{"assoc_id": aid}, nil
	case "accept":
		it, err := k.accept(timeoutMs)
		if err != nil {
			return nil, err
		}
		n, err := newSock(it.c.Socket, k.family, true, nil)
		if err != nil {
			it.c.Close()
			return nil, err
		}
		h := register(n)
		return map[string]any{"handle": h, "fd": n.rd.FD(), "addr": mkaddr(it.peer)}, nil
	case "peeloff":
		n, err := k.peeloff(id)
		if err != nil {
			return nil, err
		}
		h := register(n)
		return map[string]any{"handle": h, "fd": n.rd.FD()}, nil
	case "shutdown":
		return nil, s.Shutdown(sctp.ShutdownHow(r.How))
	case "getpaddrs", "getladdrs":
		var l []netip.AddrPort
		var err error
		if op == "getpaddrs" {
			l, err = s.GetPaddrs(id)
		} else {
			l, err = s.GetLaddrs(id)
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"addrs": mkaddrs(l)}, nil
	case "getsockname":
		l, err := s.GetLaddrs(0)
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return map[string]any{"addr": nil}, nil
		}
		return map[string]any{"addr": mkaddr(l[0])}, nil
	case "getpeername":
		if !k.tcp {
			return nil, sctp.ErrNotConnected
		}
		l, err := s.GetPaddrs(0)
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, sctp.ErrNotConnected
		}
		st, err := s.Status(0)
		if err == nil && st.Primary.Addr.IsValid() {
			return map[string]any{"addr": mkaddr(st.Primary.Addr)}, nil
		}
		return map[string]any{"addr": mkaddr(l[0])}, nil
	case "set_primary", "set_peer_primary":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		if op == "set_primary" {
			return nil, s.SetPrimary(id, a)
		}
		return nil, s.SetPeerPrimary(id, a)
	case "get_nodelay":
		return s.Nodelay(), nil
	case "set_nodelay":
		return nil, s.SetNodelay(bv)
	case "get_adaptation":
		v, _ := s.Adaptation()
		return v, nil
	case "set_adaptation":
		if iv < 0 || iv > 1<<32-1 {
			return nil, fmt.Errorf("%w: adaptation indication %d (32 bits)", sctp.ErrInvalidArgument, iv)
		}
		return nil, s.SetAdaptation(uint32(iv))
	case "get_sndbuf":
		return s.SndBuf(), nil
	case "set_sndbuf":
		return nil, s.SetSndBuf(int(iv))
	case "get_rcvbuf":
		return s.RcvBuf(), nil
	case "set_rcvbuf":
		return nil, s.SetRcvBuf(int(iv))
	case "get_disable_fragments":
		return s.DisableFragments(), nil
	case "set_disable_fragments":
		return nil, s.SetDisableFragments(bv)
	case "get_mappedv4":
		return s.MappedV4(), nil
	case "set_mappedv4":
		return nil, s.SetMappedV4(bv)
	case "get_maxseg":
		return s.Maxseg(), nil
	case "set_maxseg":
		return nil, s.SetMaxseg(int(iv))
	case "get_autoclose":
		d, err := s.Autoclose()
		return int64(d / time.Second), err
	case "set_autoclose":
		return nil, s.SetAutoclose(time.Duration(iv) * time.Second)
	case "get_initparams":
		m := s.InitMsg()
		return map[string]any{"_num_ostreams": m.NumOstreams, "_max_instreams": m.MaxInstreams,
			"_max_attempts": m.MaxAttempts, "_max_init_timeo": ms(m.MaxInitTimeo)}, nil
	case "set_initparams":
		var d struct {
			O  int64 `json:"_num_ostreams"`
			I  int64 `json:"_max_instreams"`
			A  int64 `json:"_max_attempts"`
			TO int64 `json:"_max_init_timeo"`
		}
		if err := json.Unmarshal(r.V, &d); err != nil {
			return nil, fmt.Errorf("%w: initparams: %v", sctp.ErrInvalidArgument, err)
		}
		for _, v := range []int64{d.O, d.I, d.A} {
			if v < 0 || v > 65535 {
				return nil, fmt.Errorf("%w: initparams value %d (0-65535)", sctp.ErrInvalidArgument, v)
			}
		}
		return nil, s.SetInitMsg(sctp.InitMsg{NumOstreams: uint16(d.O), MaxInstreams: uint16(d.I),
			MaxAttempts: uint16(d.A), MaxInitTimeo: dur(d.TO)})
	case "get_events":
		e := s.Events()
		return map[string]any{"_data_io": b2i(e.DataIO), "_association": b2i(e.Association),
			"_address": b2i(e.Address), "_send_failure": b2i(e.SendFailure), "_peer_error": b2i(e.PeerError),
			"_shutdown": b2i(e.Shutdown), "_partial_delivery": b2i(e.PartialDelivery),
			"_adaptation_layer": b2i(e.AdaptationLayer)}, nil
	case "set_events":
		var d map[string]any
		if err := json.Unmarshal(r.V, &d); err != nil {
			return nil, fmt.Errorf("%w: events: %v", sctp.ErrInvalidArgument, err)
		}
		on := func(k string) bool {
			switch v := d[k].(type) {
			case bool:
				return v
			case float64:
				return v != 0
			}
			return false
		}
		e := s.Events()
		e.DataIO, e.Association, e.Address = on("_data_io"), on("_association"), on("_address")
		e.SendFailure, e.PeerError, e.Shutdown = on("_send_failure"), on("_peer_error"), on("_shutdown")
		e.PartialDelivery, e.AdaptationLayer = on("_partial_delivery"), on("_adaptation_layer")
		return nil, s.SetEvents(e)
	case "get_status":
		st, err := s.Status(id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"assoc_id": st.AssocID, "state": int(st.State), "rwnd": st.Rwnd,
			"unackdata": st.UnackData, "penddata": st.PendData, "instrms": st.InStreams,
			"outstrms": st.OutStreams, "fragmentation_point": st.FragmentationPoint,
			"primary": paddrinfoJSON(st.AssocID, st.Primary)}, nil
	case "get_paddrinfo":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		pi, err := s.PaddrInfo(id, a)
		if err != nil {
			return nil, err
		}
		return paddrinfoJSON(id, pi), nil
	case "get_rtoinfo":
		ri, err := s.RTOInfo(id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"assoc_id": id, "initial": ms(ri.Initial), "max": ms(ri.Max), "min": ms(ri.Min)}, nil
	case "set_rtoinfo":
		var d struct{ Initial, Max, Min int64 }
		if err := json.Unmarshal(r.V, &d); err != nil {
			return nil, fmt.Errorf("%w: rtoinfo: %v", sctp.ErrInvalidArgument, err)
		}
		if d.Initial < 0 || d.Max < 0 || d.Min < 0 {
			return nil, fmt.Errorf("%w: negative RTO", sctp.ErrInvalidArgument)
		}
		return nil, s.SetRTOInfo(id, sctp.RTOInfo{Initial: dur(d.Initial), Max: dur(d.Max), Min: dur(d.Min)})
	case "get_assocparams":
		p, err := s.AssocParams(id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"assoc_id": id, "assocmaxrxt": p.AssocMaxRxt,
			"number_peer_destinations": p.NumberPeerDestinations, "peer_rwnd": p.PeerRwnd,
			"local_rwnd": p.LocalRwnd, "cookie_life": ms(p.CookieLife)}, nil
	case "set_assocparams":
		var d struct {
			Rxt  int64 `json:"assocmaxrxt"`
			Life int64 `json:"cookie_life"`
		}
		if err := json.Unmarshal(r.V, &d); err != nil {
			return nil, fmt.Errorf("%w: assocparams: %v", sctp.ErrInvalidArgument, err)
		}
		if d.Rxt < 0 || d.Rxt > 65535 || d.Life < 0 {
			return nil, fmt.Errorf("%w: assocparams assocmaxrxt %d, cookie_life %d", sctp.ErrInvalidArgument, d.Rxt, d.Life)
		}
		return nil, s.SetAssocParams(id, sctp.AssocParams{AssocMaxRxt: uint16(d.Rxt), CookieLife: dur(d.Life)})
	case "get_paddrparams":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		p, err := s.PaddrParams(id, a)
		if err != nil {
			return nil, err
		}
		return map[string]any{"assoc_id": id, "sockaddr": mkaddrOrWild(p.Addr), "hbinterval": ms(p.HBInterval),
			"pathmaxrxt": p.PathMaxRxt, "pathmtu": p.PathMTU, "sackdelay": ms(p.SackDelay), "flags": uint32(p.Flags)}, nil
	case "set_paddrparams":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		var d struct {
			HB    int64  `json:"hbinterval"`
			Rxt   int64  `json:"pathmaxrxt"`
			MTU   int64  `json:"pathmtu"`
			Sack  int64  `json:"sackdelay"`
			Flags uint32 `json:"flags"`
		}
		if err := json.Unmarshal(r.V, &d); err != nil {
			return nil, fmt.Errorf("%w: paddrparams: %v", sctp.ErrInvalidArgument, err)
		}
		if d.HB < 0 || d.Rxt < 0 || d.Rxt > 65535 || d.MTU < 0 || d.MTU > 1<<32-1 || d.Sack < 0 {
			return nil, fmt.Errorf("%w: paddrparams values", sctp.ErrInvalidArgument)
		}
		return nil, s.SetPaddrParams(id, sctp.PaddrParams{Addr: a, HBInterval: dur(d.HB), PathMaxRxt: uint16(d.Rxt),
			PathMTU: uint32(d.MTU), SackDelay: dur(d.Sack), Flags: sctp.PaddrFlags(d.Flags)})
	case "set_remote_udp_port":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		if r.Port < 0 || r.Port > 65535 {
			return nil, fmt.Errorf("%w: UDP port %d", sctp.ErrInvalidArgument, r.Port)
		}
		return nil, s.SetRemoteUDPEncapsPort(id, a, uint16(r.Port))
	case "get_remote_udp_port":
		a, err := addr()
		if err != nil {
			return nil, err
		}
		return s.RemoteUDPEncapsPort(id, a)
	}
	return nil, fmt.Errorf("%w: unknown operation %q", sctp.ErrNotSupported, op)
}

func mkaddrOrWild(a netip.AddrPort) any {
	if !a.Addr().IsValid() {
		return []any{"", a.Port()}
	}
	return mkaddr(a)
}

func paddrinfoJSON(id sctp.AssocID, p sctp.PaddrInfo) map[string]any {
	return map[string]any{"assoc_id": id, "sockaddr": mkaddr(p.Addr), "state": int(p.State), "cwnd": p.Cwnd,
		"srtt": ms(p.SRTT), "rto": ms(p.RTO), "mtu": p.MTU}
}

// recvMeta describes a received item to Python as pysctp's C layer did:
// the sender, the recvmsg flags and either the sndrcvinfo dict (data) or
// the notification dict (type, flags, length and the per-type fields,
// with Linux's numeric values).
func recvMeta(r *sctp.Received) map[string]any {
	m := map[string]any{"from": mkaddr(r.From), "flags": int(r.Flags)}
	if r.Notification == nil {
		in := r.Info
		m["info"] = map[string]any{"stream": in.Stream, "ssn": in.SSN, "flags": int(in.Flags), "ppid": in.PPID,
			"context": 0, "timetolive": 0, "tsn": in.TSN, "cumtsn": 0, "assoc_id": in.AssocID}
		return m
	}
	n := map[string]any{"flags": 0}
	switch ev := r.Notification.(type) {
	case sctp.AssocChange:
		n["type"], n["length"] = 32769, 20+len(ev.Causes)
		n["state"], n["outbound_streams"], n["inbound_streams"], n["assoc_id"] = assocStateLinux(ev.State), ev.OutStreams, ev.InStreams, ev.ID
		n["error"] = 0
		var ae *sctp.AbortError
		if errors.As(ev.Err, &ae) {
			n["error"] = ae.Cause
		}
	case sctp.PeerAddrChange:
		n["type"], n["length"] = 32770, 148
		n["addr"], n["state"], n["error"], n["assoc_id"] = mkaddr(ev.Addr), addrStateLinux(ev.State), 0, ev.ID
	case sctp.SendFailed:
		n["type"], n["length"] = 32771, 48+len(ev.Data)
		n["flags"] = 1 // SCTP_DATA_SENT
		if ev.Unsent {
			n["flags"] = 0
		}
		n["error"], n["assoc_id"], n["data"] = 0, ev.ID, ev.Data
		n["_info"] = map[string]any{"stream": ev.Stream, "ssn": 0, "flags": 0, "ppid": ev.PPID, "context": ev.Context,
			"timetolive": 0, "tsn": 0, "cumtsn": 0, "assoc_id": ev.ID}
	case sctp.RemoteError:
		n["type"], n["length"] = 32772, 16+len(ev.Info)
		n["error"], n["assoc_id"], n["data"] = int(ev.Code), ev.ID, ev.Info
	case sctp.ShutdownEvent:
		n["type"], n["length"], n["assoc_id"] = 32773, 12, ev.ID
	case sctp.PartialDelivery:
		n["type"], n["length"], n["indication"], n["assoc_id"] = 32774, 24, 0, ev.ID
	case sctp.AdaptationIndication:
		n["type"], n["length"], n["adaptation_ind"], n["assoc_id"] = 32775, 16, ev.Indication, ev.ID
	case sctp.SenderDry:
		n["type"], n["length"], n["assoc_id"] = 32777, 12, ev.ID
	default:
		n["type"], n["length"], n["assoc_id"] = 0, 8, r.Notification.Assoc()
	}
	m["notif"] = n
	return m
}
