package sctp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// RFC 4895 has no test vectors for the association shared key; these
// tests build the key vectors and HMACs independently (by hand, with
// crypto/hmac) and check the engine against them.

// rawParam is a parameter without padding: the form RFC 4895 §6.1
// concatenates into a key vector.
func rawParam(t chunk.ParamType, v []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(t))
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(v)))
	return append(b, v...)
}

func TestAuthSharedKeyOrder(t *testing.T) {
	ep := []byte{0xee}
	short := rawParam(chunk.ParamRandom, []byte{9, 9})
	long := rawParam(chunk.ParamRandom, []byte{1, 1, 1})
	// §6.1: the numerically smaller vector first; a longer vector (no
	// leading zero) is the larger number even when its bytes are smaller.
	want := append(append(append([]byte{}, ep...), short...), long...)
	for _, got := range [][]byte{authSharedKey(nil, ep, short, long), authSharedKey(nil, ep, long, short)} {
		if !bytes.Equal(got, want) {
			t.Fatalf("shared key %x, want %x", got, want)
		}
	}
	lo := rawParam(chunk.ParamRandom, []byte{1, 2})
	hi := rawParam(chunk.ParamRandom, []byte{1, 3})
	want = append(append(append([]byte{}, ep...), lo...), hi...)
	if got := authSharedKey(nil, ep, hi, lo); !bytes.Equal(got, want) {
		t.Fatalf("equal lengths: %x, want %x", got, want)
	}
	// The empty endpoint-pair key (key 0 by default) contributes nothing.
	if got := authSharedKey(nil, nil, lo, lo); !bytes.Equal(got, append(append([]byte{}, lo...), lo...)) {
		t.Fatalf("equal vectors: %x", got)
	}
}

func TestAuthLocalVector(t *testing.T) {
	cfg := assocConfig{}
	cfg.authChunks.add(chunk.TypeSack)
	cfg.authChunks.add(chunk.TypeInit) // forbidden by §3.2: never listed
	random := bytes.Repeat([]byte{7}, authRandomLen)
	v := cfg.appendLocalAuthVector(nil, random)
	want := rawParam(chunk.ParamRandom, random)
	want = append(want, rawParam(chunk.ParamChunkList, []byte{byte(chunk.TypeSack), byte(chunk.TypeAsconfAck), byte(chunk.TypeAsconf)})...)
	want = append(want, rawParam(chunk.ParamRequestedHMAC, []byte{0, 3, 0, 1})...)
	if !bytes.Equal(v, want) {
		t.Fatalf("vector %x\nwant   %x", v, want)
	}
}

func TestAuthKeyring(t *testing.T) {
	var r authKeyring
	if k, ok := r.key(0); !ok || len(k) != 0 {
		t.Fatalf("default key 0: %x %v", k, ok)
	}
	if _, ok := r.key(1); ok {
		t.Fatal("key 1 exists by default")
	}
	r2, err := r.withKey(1, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.key(1); ok {
		t.Fatal("withKey changed the original (copy on write)")
	}
	if _, err := r2.withActive(2); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("activate a missing key: %v", err)
	}
	r3, err := r2.withActive(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r3.withoutKey(1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("delete the active key: %v", err)
	}
	r4, err := r3.withoutKey(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r4.key(0); ok {
		t.Fatal("key 0 still there after delete")
	}
	if _, err := r.withKey(3, make([]byte, maxAuthKeyLen+1)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("oversized key: %v", err)
	}
}

func TestCookieRoundTripAuth(t *testing.T) {
	s := newCookieSealer(newSeededReader(3))
	in := testCookie(2)
	local := (&assocConfig{}).appendLocalAuthVector(nil, bytes.Repeat([]byte{1}, authRandomLen))
	peer := rawParam(chunk.ParamRandom, bytes.Repeat([]byte{2}, 40))
	peer = append(peer, rawParam(chunk.ParamRequestedHMAC, []byte{0, 1})...)
	if !in.setAuth(local, peer) {
		t.Fatal("setAuth refused")
	}
	sealed := s.seal(nil, in)
	var out stateCookie
	if err := s.open(sealed, &out); err != nil {
		t.Fatal(err)
	}
	gl, gp := out.authVectors()
	if !bytes.Equal(gl, local) || !bytes.Equal(gp, peer) || out.nPeerAddrs != 2 {
		t.Fatalf("auth vectors did not survive the cookie: %x %x", gl, gp)
	}
	// A cookie without AUTH decodes without vectors.
	plain := testCookie(1)
	sealed = s.seal(nil, plain)
	if err := s.open(sealed, &out); err != nil {
		t.Fatal(err)
	}
	if l, p := out.authVectors(); len(l) != 0 || len(p) != 0 {
		t.Fatal("vectors left over from the previous cookie")
	}
}

// authTestPeer is the scripted peer's side of AUTH.
type authTestPeer struct {
	*testPeer
	random  []byte
	chunks  []byte // CHUNKS the peer sends (types it wants authenticated)
	hmacs   []byte
	epVec   []byte // the endpoint's key vector, from its INIT ACK / INIT
	epKey   []byte // endpoint-pair shared key
	initTSN uint32 // the endpoint's initial TSN
}

func (ap *authTestPeer) vector() []byte {
	v := rawParam(chunk.ParamRandom, ap.random)
	if ap.chunks != nil {
		v = append(v, rawParam(chunk.ParamChunkList, ap.chunks)...)
	}
	return append(v, rawParam(chunk.ParamRequestedHMAC, ap.hmacs)...)
}

// initParams are the peer's AUTH parameters and Supported Extensions.
func (ap *authTestPeer) initParams() []byte {
	p := chunk.AppendParam(nil, chunk.ParamRandom, ap.random)
	if ap.chunks != nil {
		p = chunk.AppendParam(p, chunk.ParamChunkList, ap.chunks)
	}
	p = chunk.AppendParam(p, chunk.ParamRequestedHMAC, ap.hmacs)
	return chunk.AppendParam(p, chunk.ParamSupportedExtensions, []byte{byte(chunk.TypeAuth), byte(chunk.TypeAsconf), byte(chunk.TypeAsconfAck)})
}

// takeVector records the endpoint's key vector from its INIT (ACK)
// parameters, checking that they are what RFC 4895 §3 requires.
func (ap *authTestPeer) takeVector(params []byte) {
	t := ap.t
	t.Helper()
	r, ok := findParam(t, params, chunk.ParamRandom)
	if !ok || len(r.Value) != authRandomLen {
		t.Fatalf("no 32-byte RANDOM in %x", params)
	}
	c, ok := findParam(t, params, chunk.ParamChunkList)
	if !ok || !bytes.Contains(c.Value, []byte{byte(chunk.TypeAsconf)}) || !bytes.Contains(c.Value, []byte{byte(chunk.TypeAsconfAck)}) {
		t.Fatalf("CHUNKS %x does not list ASCONF and ASCONF-ACK", c.Value)
	}
	h, ok := findParam(t, params, chunk.ParamRequestedHMAC)
	if !ok || !bytes.Equal(h.Value, []byte{0, 3, 0, 1}) {
		t.Fatalf("HMAC-ALGO %x, want SHA-256, SHA-1", h.Value)
	}
	ext, ok := findParam(t, params, chunk.ParamSupportedExtensions)
	if !ok || !bytes.Contains(ext.Value, []byte{byte(chunk.TypeAuth)}) || !bytes.Contains(ext.Value, []byte{byte(chunk.TypeAsconf)}) || !bytes.Contains(ext.Value, []byte{byte(chunk.TypeAsconfAck)}) {
		t.Fatalf("Supported Extensions %x lacks AUTH/ASCONF/ASCONF-ACK", ext.Value)
	}
	ap.epVec = append(append(rawParam(chunk.ParamRandom, r.Value), rawParam(chunk.ParamChunkList, c.Value)...), rawParam(chunk.ParamRequestedHMAC, h.Value)...)
}

// mac is the HMAC of the association shared key, computed independently
// (RFC 4895 §6.1: endpoint-pair key, smaller vector, larger vector).
func (ap *authTestPeer) mac(hmacID uint16) hash.Hash {
	a, b := ap.epVec, ap.vector()
	if len(a) > len(b) || len(a) == len(b) && bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	key := append(append(append([]byte{}, ap.epKey...), a...), b...)
	if hmacID == chunk.HMACSHA1 {
		return hmac.New(sha1.New, key)
	}
	return hmac.New(sha256.New, key)
}

// authPacket builds a packet from the peer: AUTH (key keyID, HMAC hmacID,
// computed unless corrupt) and then cs.
func (ap *authTestPeer) authPacket(keyID, hmacID uint16, corrupt bool, cs ...chunk.Chunk) []byte {
	n := sha1.Size
	if hmacID == chunk.HMACSHA256 {
		n = sha256.Size
	}
	b := appendCommonHeader(nil, commonHeader{SrcPort: ap.peerPort, DstPort: ap.localPort, VerificationTag: ap.epTag})
	authOff := len(b)
	b = (&chunk.Auth{SharedKeyID: keyID, HMACID: hmacID, HMAC: make([]byte, n)}).AppendTo(b)
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	if hmacID == chunk.HMACSHA1 || hmacID == chunk.HMACSHA256 {
		m := ap.mac(hmacID)
		m.Write(b[authOff:])
		m.Sum(b[authOff+chunk.HMACOffset : authOff+chunk.HMACOffset])
	}
	if corrupt {
		b[authOff+chunk.HMACOffset] ^= 1
	}
	finalizePacket(b)
	return b
}

func (ap *authTestPeer) writeAuth(from netip.AddrPort, keyID, hmacID uint16, corrupt bool, cs ...chunk.Chunk) {
	ap.t.Helper()
	ap.ep.handleDatagram(ap.now, from, ap.authPacket(keyID, hmacID, corrupt, cs...))
	ap.collect()
}

// wantAuthed pops the next packet, which must be an AUTH with a valid HMAC
// (the endpoint's choice: the first of our HMAC-ALGO it supports) followed
// by chunks of types; it returns those chunks.
func (ap *authTestPeer) wantAuthed(hmacID uint16, types ...chunk.Type) []chunk.Raw {
	t := ap.t
	t.Helper()
	p := ap.wantPacket(ap.peerTag, append([]chunk.Type{chunk.TypeAuth}, types...)...)
	au := decodeAs(t, p.chunks[0], &chunk.Auth{})
	if au.HMACID != hmacID {
		t.Fatalf("AUTH with HMAC %d, want %d (the peer's first supported, RFC 4895 §6.1)", au.HMACID, hmacID)
	}
	got := append([]byte(nil), au.HMAC...)
	zero := chunk.Auth{SharedKeyID: au.SharedKeyID, HMACID: au.HMACID, HMAC: make([]byte, len(au.HMAC))}
	b := zero.AppendTo(nil)
	for _, c := range p.chunks[1:] {
		b = c.AppendTo(b)
	}
	m := ap.mac(au.HMACID)
	m.Write(b)
	if !hmac.Equal(m.Sum(nil), got) {
		t.Fatalf("AUTH HMAC %x does not verify", got)
	}
	return p.chunks[1:]
}

func authTestConfig() assocConfig {
	c := testAssocConfig()
	c.auth = true
	return c
}

// newAuthAccepted runs the handshake with the peer as client and AUTH on
// both sides; the peer lists HMAC-SHA-1 only unless hmacs is given.
func newAuthAccepted(t *testing.T, peerChunks []byte) *authTestPeer {
	t.Helper()
	ap := &authTestPeer{testPeer: newTestPeer(t), random: bytes.Repeat([]byte{0x5a}, 32), chunks: peerChunks, hmacs: []byte{0, 1}}
	ap.listen(authTestConfig())
	ack := ap.initAndGetCookie(ap.initParams())
	ap.takeVector(ack.Params)
	ap.epTag = ack.InitiateTag
	ap.initTSN = ack.InitialTSN
	ap.write(ap.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	ap.wantPacket(ap.peerTag, chunk.TypeCookieAck)
	ap.assoc = ap.wantEvent(accepted{}).(accepted).association()
	ap.wantEvent(AssocChange{State: CommUp})
	if !ap.assoc.authEnabled() || !ap.assoc.peerAsconf {
		t.Fatalf("AUTH/ASCONF not negotiated: auth %v asconf %v", ap.assoc.authEnabled(), ap.assoc.peerAsconf)
	}
	return ap
}

func asconfOf(serial uint32, params ...[]byte) *chunk.Asconf {
	return &chunk.Asconf{Serial: serial, Addr: netip.IPv4Unspecified(), Params: bytes.Join(params, nil)}
}

func addIP(corr uint32, a string) []byte {
	return (&chunk.AddIPAddrParam{CorrelationID: corr, Addr: netip.MustParseAddr(a)}).AppendTo(nil)
}

func delIP(corr uint32, a string) []byte {
	return (&chunk.DeleteIPAddrParam{CorrelationID: corr, Addr: netip.MustParseAddr(a)}).AppendTo(nil)
}

func setPrim(corr uint32, a string) []byte {
	return (&chunk.SetPrimaryAddrParam{CorrelationID: corr, Addr: netip.MustParseAddr(a)}).AppendTo(nil)
}

// ackResults decodes an ASCONF-ACK into correlation id → error cause (0:
// success).
func ackResults(t *testing.T, c chunk.Raw) (uint32, map[uint32]chunk.CauseCode) {
	t.Helper()
	ack := decodeAs(t, c, &chunk.AsconfAck{})
	res := map[uint32]chunk.CauseCode{}
	it := chunk.NewParamIter(ack.Params)
	for it.Next() {
		p := it.Param()
		switch p.Type {
		case chunk.ParamSuccessIndication:
			var s chunk.SuccessIndicationParam
			if err := s.Decode(p); err != nil {
				t.Fatal(err)
			}
			res[s.CorrelationID] = 0
		case chunk.ParamErrorCauseIndication:
			var e chunk.ErrorCauseIndicationParam
			if err := e.Decode(p); err != nil {
				t.Fatal(err)
			}
			res[e.CorrelationID] = causes(t, e.Causes)[0].Code
		}
	}
	return ack.Serial, res
}

// TestAuthHandshake: RFC 4895 §6.1 — both INIT ACK (passive) and INIT
// (active) carry RANDOM, CHUNKS, HMAC-ALGO; the negotiated association
// has AUTH and ASCONF; a peer without AUTH gets SCTP_AUTH_NO_AUTH and no
// ASCONF (RFC 5061 §4.2.7).
func TestAuthHandshake(t *testing.T) {
	newAuthAccepted(t, nil) // checks the INIT ACK's parameters

	tp := newTestPeer(t)
	init := tp.startConnect(authTestConfig())
	ap := &authTestPeer{testPeer: tp}
	ap.takeVector(init.Params)
	tp.answerInit(nil) // no AUTH parameters
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	ev := tp.wantEvent(AuthKeyEvent{}).(AuthKeyEvent)
	if ev.Indication != SCTP_AUTH_NO_AUTH {
		t.Fatalf("event %v, want SCTP_AUTH_NO_AUTH", ev)
	}
	if tp.assoc.authEnabled() {
		t.Fatal("AUTH on with a peer that did not offer it")
	}
	if err := tp.assoc.requestAsconf(tp.now, chunk.ParamAddIPAddr, netip.MustParseAddr("192.0.2.77")); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("ASCONF without AUTH: %v, want ErrNotSupported", err)
	}

	// Active side with an AUTH-capable peer.
	tp = newTestPeer(t)
	init = tp.startConnect(authTestConfig())
	ap = &authTestPeer{testPeer: tp, random: bytes.Repeat([]byte{3}, 32), hmacs: []byte{0, 3, 0, 1}}
	ap.takeVector(init.Params)
	tp.answerInit(ap.initParams())
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	if !tp.assoc.authEnabled() || !tp.assoc.peerAsconf {
		t.Fatal("AUTH not negotiated on the active side")
	}
	// The peer lists SHA-256 first: our AUTH chunks use it (§6.1).
	if err := tp.assoc.requestAsconf(tp.now, chunk.ParamAddIPAddr, netip.MustParseAddr("192.0.2.77")); err != nil {
		t.Fatal(err)
	}
	tp.collect()
	ap.wantAuthed(chunk.HMACSHA256, chunk.TypeAsconf)
}

// TestAsconfPeerAddDeletePrimary: RFC 5061 §5.2 — an authenticated ASCONF
// is performed parameter by parameter and answered with an authenticated
// ASCONF-ACK to its source; Add IP makes an unconfirmed path (ADDR_ADDED),
// Set Primary (ADDR_MADE_PRIM), Delete IP (ADDR_REMOVED), with the §5.2
// refusals: deleting the source address, an unknown Set Primary address.
func TestAsconfPeerAddDeletePrimary(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	serial := ap.peerTSN // §5.2: the peer's first serial is its initial TSN
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(serial, addIP(1, "192.0.2.20"), setPrim(2, "198.51.100.9")))
	cs := ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)
	if p := ap.sent; len(p) != 0 {
		t.Fatalf("extra packets %v", p)
	}
	s, res := ackResults(t, cs[0])
	if s != serial || res[1] != 0 || res[2] != chunk.CauseUnresolvableAddr {
		t.Fatalf("ASCONF-ACK serial %d results %v", s, res)
	}
	if _, ok := res[1]; !ok {
		t.Fatal("no Success Indication for the Add IP")
	}
	ev := ap.wantEvent(PeerAddrChange{}).(PeerAddrChange)
	if ev.State != AddrAdded || ev.Addr.Addr() != netip.MustParseAddr("192.0.2.20") || ev.Addr.Port() != ap.addr.Port() {
		t.Fatalf("event %v, want ADDR_ADDED 192.0.2.20 with the UDP port of the ASCONF", ev)
	}
	if n := ap.assoc.paths.len(); n != 2 {
		t.Fatalf("%d paths, want 2", n)
	}

	// Set Primary of the source (confirmed): at once.
	serial++
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(serial, setPrim(3, "0.0.0.0"), delIP(4, ap.addr.Addr().String()), delIP(5, "192.0.2.20")))
	_, res = ackResults(t, ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)[0])
	if res[3] != 0 || res[4] != chunk.CauseDeleteSourceAddr || res[5] != 0 {
		t.Fatalf("results %v: want set primary ok, delete source refused (0xA2), delete ok", res)
	}
	if ev := ap.wantEvent(PeerAddrChange{}).(PeerAddrChange); ev.State != AddrMadePrimary {
		t.Fatalf("event %v, want ADDR_MADE_PRIM", ev)
	}
	if ev := ap.wantEvent(PeerAddrChange{}).(PeerAddrChange); ev.State != AddrRemoved || ev.Addr.Addr() != netip.MustParseAddr("192.0.2.20") {
		t.Fatalf("event %v, want ADDR_REMOVED 192.0.2.20", ev)
	}
	if n := ap.assoc.paths.len(); n != 1 {
		t.Fatalf("%d paths after delete, want 1", n)
	}
	// Packets from the deleted address no longer reach the association.
	if a := ap.ep.assocs[assocKey{ap.localPort, ap.peerPort, netip.MustParseAddr("192.0.2.20")}]; a != nil {
		t.Fatal("deleted address still registered with the endpoint")
	}
}

// TestAsconfSerialRules: RFC 5061 §5.2 — a retransmitted ASCONF (same
// serial) gets the same ASCONF-ACK and is not performed twice; a serial
// neither next nor last is silently discarded.
func TestAsconfSerialRules(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	serial := ap.peerTSN
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(serial, addIP(1, "192.0.2.20")))
	first := ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)[0]
	ap.wantEvent(PeerAddrChange{})
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(serial, addIP(1, "192.0.2.20")))
	again := ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)[0]
	if !bytes.Equal(first.Value, again.Value) {
		t.Fatalf("retransmission answered differently: %x vs %x", first.Value, again.Value)
	}
	ap.wantNoEvent(PeerAddrChange{})
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(serial+5, addIP(2, "192.0.2.21")))
	ap.wantIdle()
	if n := ap.assoc.paths.len(); n != 2 {
		t.Fatalf("%d paths, want 2", n)
	}
}

// TestAuthReceiveRules: RFC 4895 §6.3 — an ASCONF without AUTH, with a bad
// HMAC, or with an unknown key identifier is silently discarded; an AUTH
// with an HMAC identifier we did not list is answered with ERROR
// "Unsupported HMAC Identifier" (§4.1); chunks not in our list pass
// without AUTH.
func TestAuthReceiveRules(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	serial := ap.peerTSN
	add := asconfOf(serial, addIP(1, "192.0.2.20"))

	ap.write(ap.epTag, add) // no AUTH
	ap.wantIdle()
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, true, add) // bad HMAC
	ap.wantIdle()
	ap.writeAuth(ap.addr, 7, chunk.HMACSHA1, false, add) // unknown key 7
	ap.wantIdle()
	if got := ap.assoc.stats().DroppedUnauthenticated; got != 3 {
		t.Fatalf("DroppedUnauthenticated %d, want 3", got)
	}
	ap.writeAuth(ap.addr, 0, 2, false, add) // HMAC id 2: not ours
	p := ap.wantPacket(ap.peerTag, chunk.TypeError)
	c := wantCause(t, decodeAs(t, p.chunks[0], &chunk.Error{}).Causes, chunk.CauseUnsupportedHMAC)
	if !bytes.Equal(c.Info, []byte{0, 2}) {
		t.Fatalf("Unsupported HMAC Identifier cause carries %x, want 0002", c.Info)
	}
	if n := ap.assoc.paths.len(); n != 1 {
		t.Fatalf("an unauthenticated ASCONF added a path (%d paths)", n)
	}
	// DATA is not in our list: accepted without AUTH.
	ap.write(ap.epTag, ap.data(0, "plain"))
	if m, ok := ap.assoc.readMessage(); !ok || string(m.data) != "plain" {
		t.Fatalf("plain DATA not delivered: %v %v", m, ok)
	}
	// The valid one works, and a later key change raises SCTP_AUTH_NEW_KEY.
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, add)
	ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)
	if err := ap.assoc.setAuthKey(5, []byte("k5")); err != nil {
		t.Fatal(err)
	}
	ap.epKey = []byte("k5")
	ap.writeAuth(ap.addr, 5, chunk.HMACSHA1, false, asconfOf(serial+1, addIP(2, "192.0.2.21")))
	ap.epKey = nil // our active key is still 0, the empty one
	ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconfAck)
	ev := ap.wantEvent(AuthKeyEvent{}).(AuthKeyEvent)
	if ev.Indication != SCTP_AUTH_NEW_KEY || ev.KeyNumber != 5 {
		t.Fatalf("event %v, want SCTP_AUTH_NEW_KEY 5", ev)
	}
}

// TestAuthPeerChunkList: RFC 4895 §6.2 — chunk types in the peer's CHUNKS
// go after an AUTH chunk; packets without them carry none.
func TestAuthPeerChunkList(t *testing.T) {
	ap := newAuthAccepted(t, []byte{byte(chunk.TypeSack)})
	ap.write(ap.epTag, ap.data(0, "x"))
	ap.advance(ap.assoc.cfg.sackDelay)
	ap.wantAuthed(chunk.HMACSHA1, chunk.TypeSack)
	ap.sendData(outMessage{stream: 0, ppid: 1, data: []byte("hello")}) // DATA alone, no AUTH
}

// TestAsconfSendRetransmit: RFC 5061 §5.1 — our requests go in one
// authenticated ASCONF with serial = our initial TSN; one outstanding at a
// time (the next waits), retransmitted on T-4 RTO with the same serial; the
// ASCONF-ACK releases the next with serial + 1; an error result becomes a
// RemoteError; an ASCONF-ACK for a serial never sent aborts (§5.3).
func TestAsconfSendRetransmit(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	if err := ap.assoc.requestAsconf(ap.now, chunk.ParamAddIPAddr, netip.MustParseAddr("192.0.2.50")); err != nil {
		t.Fatal(err)
	}
	if err := ap.assoc.requestAsconf(ap.now, chunk.ParamSetPrimaryAddr, netip.MustParseAddr("192.0.2.50")); err != nil {
		t.Fatal(err)
	}
	ap.collect()
	c := decodeAs(t, ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconf)[0], &chunk.Asconf{})
	if c.Serial != ap.initTSN {
		t.Fatalf("first ASCONF serial %d, want our initial TSN %d", c.Serial, ap.initTSN)
	}
	it := chunk.NewParamIter(c.Params)
	if !it.Next() || it.Param().Type != chunk.ParamAddIPAddr || it.Next() {
		t.Fatalf("first ASCONF params %x: want the Add IP alone", c.Params)
	}
	ap.wantIdle() // the Set Primary waits
	d := ap.advanceToTimer()
	c2 := decodeAs(t, ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconf)[0], &chunk.Asconf{})
	if c2.Serial != c.Serial || !bytes.Equal(c2.Params, c.Params) {
		t.Fatal("T-4 retransmission differs")
	}
	if d2 := ap.advanceToTimer(); d2 != 2*d {
		t.Fatalf("T-4 backoff %v after %v, want doubled", d2, d)
	}
	ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconf)
	// The answer: error for the Add IP (resource shortage).
	var corr uint32
	it = chunk.NewParamIter(c.Params)
	it.Next()
	corr = binary.BigEndian.Uint32(it.Param().Value)
	resp := (&chunk.ErrorCauseIndicationParam{CorrelationID: corr, Causes: chunk.AppendCause(nil, chunk.CauseResourceShortage, nil)}).AppendTo(nil)
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, &chunk.AsconfAck{Serial: c.Serial, Params: resp})
	if ev := ap.wantEvent(RemoteError{}).(RemoteError); ev.Code != chunk.CauseResourceShortage {
		t.Fatalf("event %v, want RemoteError resource shortage", ev)
	}
	c3 := decodeAs(t, ap.wantAuthed(chunk.HMACSHA1, chunk.TypeAsconf)[0], &chunk.Asconf{})
	if c3.Serial != c.Serial+1 {
		t.Fatalf("next ASCONF serial %d, want %d", c3.Serial, c.Serial+1)
	}
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, &chunk.AsconfAck{Serial: c3.Serial})
	ap.wantIdle()
	if ap.assoc.asconfDeadline() != (ap.assoc.asc.t4.at) || ap.assoc.asc.t4.running() {
		t.Fatal("T-4 still running with nothing outstanding")
	}
	// A late duplicate is ignored; one for a serial never sent aborts.
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, &chunk.AsconfAck{Serial: c3.Serial})
	ap.wantIdle()
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, &chunk.AsconfAck{Serial: c3.Serial + 1})
	ab := ap.wantAbort()
	wantCause(t, ab.Causes, chunk.CauseIllegalAsconfAck)
}

// TestAuthVerifyNoAlloc: verifying an AUTH allocates nothing once the key's
// HMAC exists (hot path rule), and a packet without AUTH costs no AUTH work.
func TestAuthVerifyNoAlloc(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	pkt := ap.authPacket(0, chunk.HMACSHA1, false, &chunk.Heartbeat{Info: []byte("12345678")})
	rest := pkt[commonHeaderLen:]
	var ac chunk.Auth
	it := chunk.NewIter(rest)
	it.Next()
	if err := ac.Decode(it.Chunk()); err != nil {
		t.Fatal(err)
	}
	if v := ap.assoc.auth.verify(&ap.assoc.cfg.authKeys, &ac, it.Rest()); v != authValid {
		t.Fatalf("verdict %d", v)
	}
	if n := testing.AllocsPerRun(100, func() {
		ap.assoc.auth.verify(&ap.assoc.cfg.authKeys, &ac, it.Rest())
	}); n != 0 {
		t.Fatalf("verify allocates %v per call", n)
	}
}

// TestAsconfSetPrimaryUnconfirmed: RFC 5061 §4.2.4, §5.2 with RFC 9260
// §5.4 — a Set Primary for an address just added is accepted, and the
// address becomes primary (ADDR_MADE_PRIM) only once a HEARTBEAT ACK
// confirms it.
func TestAsconfSetPrimaryUnconfirmed(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(ap.peerTSN, addIP(1, "192.0.2.20"), setPrim(2, "192.0.2.20")))
	var hb *chunk.Heartbeat
	for len(ap.sent) > 0 {
		p := ap.readPacket()
		switch {
		case p.chunks[0].Type == chunk.TypeAuth && p.chunks[1].Type == chunk.TypeAsconfAck:
			if _, res := ackResults(t, p.chunks[1]); res[1] != 0 || res[2] != 0 {
				t.Fatalf("results %v, want both successful", res)
			}
		case p.chunks[0].Type == chunk.TypeHeartbeat:
			if p.to.Addr() != netip.MustParseAddr("192.0.2.20") {
				t.Fatalf("HEARTBEAT to %v", p.to)
			}
			hb = decodeAs(t, p.chunks[0], &chunk.Heartbeat{})
		default:
			t.Fatalf("unexpected packet %v", p)
		}
	}
	ap.wantEvent(PeerAddrChange{}) // ADDR_ADDED
	ap.wantNoEvent(PeerAddrChange{})
	if ap.assoc.dest().Addr() == netip.MustParseAddr("192.0.2.20") {
		t.Fatal("unconfirmed address became primary")
	}
	if hb == nil {
		ap.advanceToTimer()
		for len(ap.sent) > 0 && hb == nil {
			if p := ap.readPacket(); p.chunks[0].Type == chunk.TypeHeartbeat && p.to.Addr() == netip.MustParseAddr("192.0.2.20") {
				hb = decodeAs(t, p.chunks[0], &chunk.Heartbeat{})
			}
		}
		if hb == nil {
			t.Fatal("the added address was never probed")
		}
	}
	ap.writeFrom(netip.AddrPortFrom(netip.MustParseAddr("192.0.2.20"), ap.addr.Port()), ap.epTag, &chunk.HeartbeatAck{Info: hb.Info})
	var made bool
	for _, ev := range ap.events {
		if e, ok := ev.(PeerAddrChange); ok && e.State == AddrMadePrimary && e.Addr.Addr() == netip.MustParseAddr("192.0.2.20") {
			made = true
		}
	}
	if !made || ap.assoc.dest().Addr() != netip.MustParseAddr("192.0.2.20") {
		t.Fatalf("after confirmation: events %v, destination %v", ap.events, ap.assoc.dest())
	}
}

// TestAsconfHostileBounds: a hostile ASCONF with far more Add IP
// parameters than the path set holds gets an answer that fits one packet,
// the surplus refused (Operation Refused Due to Resource Shortage, RFC
// 5061 §5.2), and the paths stay bounded.
func TestAsconfHostileBounds(t *testing.T) {
	ap := newAuthAccepted(t, nil)
	var params [][]byte
	for i := range 200 {
		params = append(params, addIP(uint32(i+1), netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String()))
	}
	ap.writeAuth(ap.addr, 0, chunk.HMACSHA1, false, asconfOf(ap.peerTSN, params...))
	var ack chunk.Raw
	for len(ap.sent) > 0 {
		p := ap.readPacket()
		if len(p.chunks) == 2 && p.chunks[1].Type == chunk.TypeAsconfAck {
			ack = p.chunks[1]
		}
	}
	if ack.Value == nil {
		t.Fatal("no ASCONF-ACK")
	}
	if l := commonHeaderLen + chunk.AuthHeaderLen + sha1.Size + ack.Len(); l > ap.assoc.cfg.mtu {
		t.Fatalf("ASCONF-ACK packet of %d bytes over the packet size %d", l, ap.assoc.cfg.mtu)
	}
	_, res := ackResults(t, ack)
	shortage := 0
	for _, c := range res {
		if c == chunk.CauseResourceShortage {
			shortage++
		}
	}
	if n := ap.assoc.paths.len(); n != maxPaths || shortage == 0 || len(res) > maxAsconfParams {
		t.Fatalf("%d paths (max %d), %d refused, %d answers", n, maxPaths, shortage, len(res))
	}
}

// BenchmarkAuthVerify measures checking the AUTH (HMAC-SHA-1) of a packet
// carrying 1,000 bytes after it (RFC 4895 §6.3), and signing one.
func BenchmarkAuthVerify(b *testing.B) {
	cfg := assocConfig{auth: true}
	local := cfg.appendLocalAuthVector(nil, bytes.Repeat([]byte{1}, authRandomLen))
	peer := append(rawParam(chunk.ParamRandom, bytes.Repeat([]byte{2}, 32)), rawParam(chunk.ParamRequestedHMAC, []byte{0, 1})...)
	s := newAuthState(&cfg, local, peer)
	pkt, off := s.appendAuth(nil, 0)
	pkt = (&chunk.Data{Beginning: true, Ending: true, UserData: make([]byte, 1000)}).AppendTo(pkt)
	s.signAuth(&cfg.authKeys, pkt[off:])
	var ac chunk.Auth
	it := chunk.NewIter(pkt)
	it.Next()
	ac.Decode(it.Chunk())
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(pkt)))
		for range b.N {
			if s.verify(&cfg.authKeys, &ac, pkt) != authValid {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("sign", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(pkt)))
		for range b.N {
			clear(pkt[off+chunk.HMACOffset : off+chunk.HMACOffset+sha1.Size]) // as appendAuth leaves it
			s.signAuth(&cfg.authKeys, pkt[off:])
		}
	})
}

// FuzzAsconfAuthenticated feeds arbitrary chunk bytes behind a valid AUTH
// (so ASCONF and ASCONF-ACK parsing and processing are reached, RFC 5061
// §5.2, §5.3): never a panic, paths and queued output bounded.
func FuzzAsconfAuthenticated(f *testing.F) {
	f.Add(asconfOf(1000, addIP(1, "192.0.2.20"), delIP(2, "192.0.2.10"), setPrim(3, "0.0.0.0")).AppendTo(nil))
	f.Add((&chunk.AsconfAck{Serial: 7, Params: (&chunk.ErrorCauseIndicationParam{CorrelationID: 1, Causes: chunk.AppendCause(nil, 0xA2, nil)}).AppendTo(nil)}).AppendTo(nil))
	f.Add(append(asconfOf(1000, chunk.AppendParam(nil, 0xC00F, []byte{0, 0, 0, 1})).AppendTo(nil), 0xC1, 0, 0, 8, 0, 0, 3, 0xe9))
	f.Fuzz(func(t *testing.T, body []byte) {
		ap := newAuthAccepted(t, nil)
		pkt := appendCommonHeader(nil, commonHeader{SrcPort: ap.peerPort, DstPort: ap.localPort, VerificationTag: ap.epTag})
		off := len(pkt)
		pkt = (&chunk.Auth{HMACID: chunk.HMACSHA1, HMAC: make([]byte, sha1.Size)}).AppendTo(pkt)
		pkt = append(pkt, body...)
		m := ap.mac(chunk.HMACSHA1)
		m.Write(pkt[off:])
		m.Sum(pkt[off+chunk.HMACOffset : off+chunk.HMACOffset])
		finalizePacket(pkt)
		for range 3 { // the same again: retransmission rules
			ap.ep.handleDatagram(ap.now, ap.addr, pkt)
			ap.collect()
			ap.advance(time.Second)
		}
		if n := ap.assoc.paths.len(); n > maxPaths || n < 1 {
			t.Fatalf("%d paths", n)
		}
		if len(ap.assoc.pending) > maxPendingControl {
			t.Fatalf("%d queued packets", len(ap.assoc.pending))
		}
	})
}
