package sctp

// RFC 4895 AUTH: the key vectors exchanged in INIT / INIT ACK (RANDOM,
// CHUNKS, HMAC-ALGO), the endpoint-pair shared keys and their
// identifiers, the association shared key (§6.1), HMAC-SHA-1 and
// HMAC-SHA-256 (§6.2–§6.3), AUTH chunk generation and verification.
//
// The pure parts (authVector, authSharedKey, authKeyring, chunkSet) are
// plain values tested on their own (association_auth_test.go). The
// association keeps an authState once both sides offered AUTH; without
// it a packet costs one nil check per chunk and nothing else.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Bounds on what AUTH keeps (hostile input never grows memory without
// bound; RFC 4895 sets no maximum).
const (
	authRandomLen    = 32  // our RANDOM (RFC 4895 §3.1: 32 bytes RECOMMENDED)
	maxAuthRandomLen = 256 // the peer's RANDOM we accept
	maxAuthHMACs     = 16  // HMAC identifiers read from the peer's HMAC-ALGO
	// maxAuthVectorLen bounds a key vector: RANDOM, CHUNKS (at most 256
	// types) and HMAC-ALGO parameters, unpadded.
	maxAuthVectorLen = 4 + maxAuthRandomLen + 4 + 256 + 4 + 2*maxAuthHMACs
	maxAuthKeys      = 64   // endpoint-pair shared keys per socket or association
	maxAuthKeyLen    = 1024 // bytes of one endpoint-pair shared key
	authMaxHMACLen   = sha256.Size
)

// authHMACLen returns the HMAC length of an HMAC identifier (RFC 4895
// §3.3), 0 when unsupported.
func authHMACLen(id uint16) int {
	switch id {
	case chunk.HMACSHA1:
		return sha1.Size
	case chunk.HMACSHA256:
		return sha256.Size
	}
	return 0
}

// ourHMACs is the HMAC-ALGO list we send, in order of preference. RFC
// 4895 §6.1: SHA-1 MUST be listed.
var ourHMACs = [...]uint16{chunk.HMACSHA256, chunk.HMACSHA1}

// chunkSet is a set of chunk types (the CHUNKS parameter as a bitmap).
type chunkSet [4]uint64

func (s *chunkSet) add(t chunk.Type)      { s[t>>6] |= 1 << (t & 63) }
func (s *chunkSet) has(t chunk.Type) bool { return s[t>>6]&(1<<(t&63)) != 0 }
func (s *chunkSet) empty() bool           { return *s == chunkSet{} }

// authForbidden reports chunk types RFC 4895 §3.2 forbids in CHUNKS
// (INIT, INIT ACK, SHUTDOWN COMPLETE, AUTH): never listed, and ignored
// when a peer lists them.
func authForbidden(t chunk.Type) bool {
	switch t {
	case chunk.TypeInit, chunk.TypeInitAck, chunk.TypeShutdownComplete, chunk.TypeAuth:
		return true
	}
	return false
}

// localAuthChunks returns the chunk types we require authenticated: ASCONF
// and ASCONF-ACK always (RFC 5061 §4.1.1, §4.2.7) plus those the user
// asked for (SCTP_AUTH_CHUNK).
func (c *assocConfig) localAuthChunks() chunkSet {
	s := c.authChunks
	s.add(chunk.TypeAsconf)
	s.add(chunk.TypeAsconfAck)
	return s
}

// appendAuthParam appends one parameter unpadded (the form the key vector
// concatenates, RFC 4895 §6.1: "padding is omitted").
func appendAuthParam(b []byte, t chunk.ParamType, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(t))
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(v)))
	return append(b, v...)
}

// appendLocalAuthVector appends our key vector: RANDOM, CHUNKS and
// HMAC-ALGO as sent in INIT / INIT ACK, unpadded (RFC 4895 §6.1).
func (c *assocConfig) appendLocalAuthVector(b []byte, random []byte) []byte {
	b = appendAuthParam(b, chunk.ParamRandom, random)
	set := c.localAuthChunks()
	n := len(b)
	b = append(b, 0, 0, 0, 0)
	for t := range 256 {
		if set.has(chunk.Type(t)) && !authForbidden(chunk.Type(t)) {
			b = append(b, byte(t))
		}
	}
	binary.BigEndian.PutUint16(b[n:], uint16(chunk.ParamChunkList))
	binary.BigEndian.PutUint16(b[n+2:], uint16(len(b)-n))
	var h [2 * len(ourHMACs)]byte
	for i, id := range ourHMACs {
		binary.BigEndian.PutUint16(h[2*i:], id)
	}
	return appendAuthParam(b, chunk.ParamRequestedHMAC, h[:])
}

// appendAuthInitParams appends the vector as INIT / INIT ACK parameters:
// the same bytes padded.
func appendAuthInitParams(b, vector []byte) []byte {
	for off := 0; off+4 <= len(vector); {
		l := int(binary.BigEndian.Uint16(vector[off+2:]))
		b = chunk.AppendParam(b, chunk.ParamType(binary.BigEndian.Uint16(vector[off:])), vector[off+4:off+l])
		off += l
	}
	return b
}

// peerAuthParams collects the peer's AUTH parameters while an INIT or INIT
// ACK is parsed (initInfo.auth).
type peerAuthParams struct {
	random, chunks, hmacs []byte // parameter values, nil when absent
	dup                   bool   // a parameter appeared twice
}

func (p *peerAuthParams) set(dst *[]byte, v []byte) {
	if *dst != nil {
		p.dup = true
	}
	if v == nil {
		v = []byte{}
	}
	*dst = v
}

// ok reports whether the peer offered AUTH usably: one RANDOM, one
// HMAC-ALGO listing SHA-1 (RFC 4895 §6.1, §3.3), within our bounds.
func (p *peerAuthParams) ok() bool {
	if p.dup || len(p.random) == 0 || len(p.random) > maxAuthRandomLen || p.hmacs == nil ||
		len(p.hmacs)%2 != 0 || len(p.hmacs) > 2*maxAuthHMACs || len(p.chunks) > 256 {
		return false
	}
	for i := 0; i+1 < len(p.hmacs); i += 2 {
		if binary.BigEndian.Uint16(p.hmacs[i:]) == chunk.HMACSHA1 {
			return true
		}
	}
	return false
}

// appendVector appends the peer's key vector (RFC 4895 §6.1; CHUNKS left
// out when the peer did not send it).
func (p *peerAuthParams) appendVector(b []byte) []byte {
	b = appendAuthParam(b, chunk.ParamRandom, p.random)
	if p.chunks != nil {
		b = appendAuthParam(b, chunk.ParamChunkList, p.chunks)
	}
	return appendAuthParam(b, chunk.ParamRequestedHMAC, p.hmacs)
}

// authVectorParts splits a key vector built by appendLocalAuthVector or
// appendVector into its parameter values; ok is false for anything else.
func authVectorParts(v []byte) (random, chunks, hmacs []byte, ok bool) {
	for off := 0; off < len(v); {
		if len(v)-off < 4 {
			return nil, nil, nil, false
		}
		l := int(binary.BigEndian.Uint16(v[off+2:]))
		if l < 4 || l > len(v)-off {
			return nil, nil, nil, false
		}
		val := v[off+4 : off+l]
		switch chunk.ParamType(binary.BigEndian.Uint16(v[off:])) {
		case chunk.ParamRandom:
			random = val
		case chunk.ParamChunkList:
			chunks = val
		case chunk.ParamRequestedHMAC:
			hmacs = val
		default:
			return nil, nil, nil, false
		}
		off += l
	}
	return random, chunks, hmacs, len(random) > 0 && hmacs != nil
}

// authSharedKey appends the association shared key of RFC 4895 §6.1: the
// endpoint-pair shared key, then the numerically smaller key vector, then
// the larger. Vectors are compared as big-endian numbers; every vector
// starts with the RANDOM parameter type (0x8002, no leading zero byte), so
// a longer vector is the larger number and equal lengths compare byte by
// byte. Equal vectors may go in either order.
func authSharedKey(b, epKey, v1, v2 []byte) []byte {
	b = append(b, epKey...)
	if len(v1) > len(v2) || (len(v1) == len(v2) && bytes.Compare(v1, v2) > 0) {
		v1, v2 = v2, v1
	}
	b = append(b, v1...)
	return append(b, v2...)
}

// authKey is an endpoint-pair shared key and its identifier (RFC 4895 §6.1;
// RFC 6458 §8.1.20 SCTP_AUTH_KEY).
type authKey struct {
	id     uint16
	secret []byte
}

// authKeyring is the endpoint-pair shared keys of a socket or an
// association and the active one (used for sending, RFC 6458 §8.1.21
// SCTP_AUTH_ACTIVE_KEY). Without any key set it holds key 0, empty (RFC
// 4895 §6.1: "an empty key ... with identifier 0"). Copy on write: an
// association's config shares the socket's until one of them changes.
type authKeyring struct {
	keys   []authKey
	active uint16
	set    bool // keys were configured (else: the default key 0)
}

// key returns the secret of key id.
func (r *authKeyring) key(id uint16) ([]byte, bool) {
	if !r.set {
		return nil, id == 0
	}
	for _, k := range r.keys {
		if k.id == id {
			return k.secret, true
		}
	}
	return nil, false
}

func (r *authKeyring) materialize() {
	if !r.set {
		r.keys = []authKey{{id: 0, secret: nil}}
		r.set = true
	}
}

// withKey returns a copy of r with key id set to secret (replacing it).
func (r authKeyring) withKey(id uint16, secret []byte) (authKeyring, error) {
	if len(secret) > maxAuthKeyLen {
		return r, invalidArg("auth key of %d bytes: at most %d", len(secret), maxAuthKeyLen)
	}
	r.materialize()
	keys := make([]authKey, 0, len(r.keys)+1)
	for _, k := range r.keys {
		if k.id != id {
			keys = append(keys, k)
		}
	}
	if len(keys) >= maxAuthKeys {
		return r, invalidArg("more than %d auth keys: delete one first (SCTP_AUTH_DELETE_KEY)", maxAuthKeys)
	}
	r.keys = append(keys, authKey{id: id, secret: slices.Clone(secret)})
	return r, nil
}

// withActive returns a copy of r with key id active.
func (r authKeyring) withActive(id uint16) (authKeyring, error) {
	if _, ok := r.key(id); !ok {
		return r, invalidArg("auth key %d is not set (set it with SCTP_AUTH_KEY first)", id)
	}
	r.active = id
	return r, nil
}

// withoutKey returns a copy of r without key id; the active key cannot be
// deleted (RFC 6458 §8.3.4).
func (r authKeyring) withoutKey(id uint16) (authKeyring, error) {
	if _, ok := r.key(id); !ok {
		return r, invalidArg("auth key %d is not set", id)
	}
	if id == r.active {
		return r, invalidArg("auth key %d is the active key: make another key active first (SCTP_AUTH_ACTIVE_KEY)", id)
	}
	r.materialize()
	keys := make([]authKey, 0, len(r.keys))
	for _, k := range r.keys {
		if k.id != id {
			keys = append(keys, k)
		}
	}
	r.keys = keys
	return r, nil
}

// authAssocKey is an association shared key in use, with its HMAC ready.
type authAssocKey struct {
	keyID, hmacID uint16
	mac           hash.Hash
}

// authState is the AUTH state of an association where both sides offered
// AUTH (RFC 4895 §6.1).
type authState struct {
	localVec, peerVec []byte
	localReq          chunkSet // chunk types we accept only authenticated
	peerReq           chunkSet // chunk types the peer wants authenticated
	peerHMACs         []uint16 // the peer's HMAC-ALGO
	sendHMAC          uint16   // the first of the peer's list we support (§6.1)
	macs              []authAssocKey
	peerKey           uint16 // key identifier the peer last used
	peerKeySeen       bool
	sum               [authMaxHMACLen]byte
	zeros             [authMaxHMACLen]byte
}

// newAuthState builds the state from the two key vectors; nil when a
// vector is malformed or no HMAC is common (the association then runs
// without AUTH).
func newAuthState(cfg *assocConfig, localVec, peerVec []byte) *authState {
	_, _, _, lok := authVectorParts(localVec)
	_, pchunks, phmacs, pok := authVectorParts(peerVec)
	if !lok || !pok {
		return nil
	}
	s := &authState{localVec: slices.Clone(localVec), peerVec: slices.Clone(peerVec), localReq: cfg.localAuthChunks()}
	for _, t := range pchunks {
		if !authForbidden(chunk.Type(t)) {
			s.peerReq.add(chunk.Type(t))
		}
	}
	for i := 0; i+1 < len(phmacs); i += 2 {
		id := binary.BigEndian.Uint16(phmacs[i:])
		s.peerHMACs = append(s.peerHMACs, id)
		if s.sendHMAC == 0 && authHMACLen(id) > 0 {
			s.sendHMAC = id
		}
	}
	if s.sendHMAC == 0 {
		return nil
	}
	return s
}

// mac returns the HMAC of association shared key keyID (endpoint-pair key
// from ring) with algorithm hmacID, reset; nil if the key is unknown. The
// HMAC is built once per key and algorithm (not per packet).
func (s *authState) mac(ring *authKeyring, keyID, hmacID uint16) hash.Hash {
	for i := range s.macs {
		if m := &s.macs[i]; m.keyID == keyID && m.hmacID == hmacID {
			m.mac.Reset()
			return m.mac
		}
	}
	secret, ok := ring.key(keyID)
	if !ok || len(s.macs) >= 2*maxAuthKeys {
		return nil
	}
	key := authSharedKey(nil, secret, s.localVec, s.peerVec)
	var m hash.Hash
	switch hmacID {
	case chunk.HMACSHA1:
		m = hmac.New(sha1.New, key)
	case chunk.HMACSHA256:
		m = hmac.New(sha256.New, key)
	default:
		return nil
	}
	clear(key)
	s.macs = append(s.macs, authAssocKey{keyID: keyID, hmacID: hmacID, mac: m})
	return m
}

// forget drops the cached HMAC of key id (the key changed or went away).
func (s *authState) forget(id uint16) {
	s.macs = slices.DeleteFunc(s.macs, func(m authAssocKey) bool { return m.keyID == id })
}

// authLen is the length of the AUTH chunk we send.
func (s *authState) authLen() int { return chunk.AuthHeaderLen + authHMACLen(s.sendHMAC) }

// appendAuth appends an AUTH chunk with a zero HMAC, to be completed by
// signAuth once the chunks after it are in place (RFC 4895 §6.2). It
// returns the extended slice and the AUTH chunk's offset.
func (s *authState) appendAuth(b []byte, keyID uint16) ([]byte, int) {
	off := len(b)
	b = binary.BigEndian.AppendUint16(append(b, byte(chunk.TypeAuth), 0), uint16(s.authLen()))
	b = binary.BigEndian.AppendUint16(b, keyID)
	b = binary.BigEndian.AppendUint16(b, s.sendHMAC)
	return append(b, s.zeros[:authHMACLen(s.sendHMAC)]...), off
}

// signAuth computes the HMAC over pkt (the AUTH chunk appendAuth wrote,
// HMAC zero, and every chunk after it) and writes it into the chunk. It
// reports false when the key is unknown (the packet must not go out).
func (s *authState) signAuth(ring *authKeyring, pkt []byte) bool {
	keyID := binary.BigEndian.Uint16(pkt[4:])
	m := s.mac(ring, keyID, s.sendHMAC)
	if m == nil {
		return false
	}
	m.Write(pkt)
	m.Sum(pkt[chunk.HMACOffset:chunk.HMACOffset])
	return true
}

// authVerdict is the outcome of checking a received AUTH chunk.
type authVerdict uint8

const (
	authValid      authVerdict = iota
	authBadHMACID              // HMAC identifier we did not list: ERROR cause 0x0105 (§6.3)
	authUnknownKey             // no such shared key: discard silently (§6.3)
	authBadLength              // HMAC length does not fit the identifier
	authMismatch               // HMAC differs: discard silently (§6.3)
)

// verify checks the AUTH chunk at the start of rest (the packet from the
// AUTH chunk on) against ring (RFC 4895 §6.3). The comparison is constant
// time; nothing is allocated once the key's HMAC exists.
func (s *authState) verify(ring *authKeyring, c *chunk.Auth, rest []byte) authVerdict {
	if !slices.Contains(ourHMACs[:], c.HMACID) {
		return authBadHMACID
	}
	n := authHMACLen(c.HMACID)
	if len(c.HMAC) != n {
		return authBadLength
	}
	m := s.mac(ring, c.SharedKeyID, c.HMACID)
	if m == nil {
		return authUnknownKey
	}
	// The HMAC covers the AUTH chunk with its HMAC field zeroed and every
	// chunk after it (§6.2); rest is not modified.
	m.Write(rest[:chunk.HMACOffset])
	m.Write(s.zeros[:n])
	m.Write(rest[chunk.HMACOffset+n:])
	if !hmac.Equal(m.Sum(s.sum[:0]), c.HMAC) {
		return authMismatch
	}
	return authValid
}

// endpointAuth is the endpoint's AUTH scratch: a ChaCha8 stream for
// RANDOM parameters (seeded once from the endpoint's random source, so a
// hostile INIT flood costs no reads of the system's random source) and the
// key vectors of the INIT ACK being built.
type endpointAuth struct {
	rng               *rand.ChaCha8
	localVec, peerVec []byte
}

// authRandom fills b with the value of a RANDOM parameter (RFC 4895 §3.1:
// unpredictable; ChaCha8 is a CSPRNG).
func (e *endpoint) authRandom(b []byte) {
	if e.auth.rng == nil {
		var seed [32]byte
		if _, err := io.ReadFull(e.rand, seed[:]); err != nil {
			panic("BUG: AUTH RANDOM seed: random source failed: " + err.Error())
		}
		e.auth.rng = rand.NewChaCha8(seed)
		clear(seed[:])
	}
	e.auth.rng.Read(b)
}

// localAuthVector returns a fresh key vector of ours for an INIT ACK (in
// endpoint scratch, valid until the next call).
func (e *endpoint) localAuthVector(cfg *assocConfig) []byte {
	var random [authRandomLen]byte
	e.authRandom(random[:])
	e.auth.localVec = cfg.appendLocalAuthVector(e.auth.localVec[:0], random[:])
	return e.auth.localVec
}

// setupAuth sets AUTH up from the peer's INIT ACK (active side): both
// sides must have offered it (RFC 4895 §6.1); ASCONF needs it (RFC 5061
// §4.2.7).
func (a *association) setupAuth(in *initInfo) {
	a.auth, a.peerAsconf = nil, false
	if a.cfg.auth && len(a.authLocalVec) > 0 && in.auth.ok() {
		peer := in.auth.appendVector(nil)
		a.auth = newAuthState(&a.cfg, a.authLocalVec, peer)
		a.peerAsconf = in.asconf && a.auth != nil
	}
	if a.cfg.auth && a.auth == nil {
		// RFC 6458 §6.1.8: SCTP_AUTH_NO_AUTH, the peer does not do AUTH.
		a.emit(AuthKeyEvent{ID: a.aid, Indication: SCTP_AUTH_NO_AUTH})
	}
}

// adoptCookieAuth sets AUTH up from a State Cookie (passive side).
func (a *association) adoptCookieAuth(c *stateCookie) {
	a.auth, a.peerAsconf = nil, false
	a.asc = asconfState{} // a new peer (or a restarted one) numbers its ASCONFs afresh
	local, peer := c.authVectors()
	if a.cfg.auth && len(local) > 0 {
		a.auth = newAuthState(&a.cfg, local, peer)
		a.peerAsconf = c.peerExt.has(extAsconf) && a.auth != nil
	}
	if a.cfg.auth && a.auth == nil {
		a.emit(AuthKeyEvent{ID: a.aid, Indication: SCTP_AUTH_NO_AUTH})
	}
}

// AuthIndication is the kind of an AuthKeyEvent (RFC 6458 §6.1.8
// auth_indication).
type AuthIndication uint8

// Authentication event kinds (RFC 6458 §6.1.8).
const (
	// SCTP_AUTH_NEW_KEY: the peer used a shared key identifier for the
	// first time (KeyNumber); the previous one may be deleted.
	SCTP_AUTH_NEW_KEY AuthIndication = iota
	// SCTP_AUTH_NO_AUTH: AUTH is on, but the peer does not do AUTH: no
	// chunk is authenticated, and ASCONF (which requires AUTH) is off.
	SCTP_AUTH_NO_AUTH
	// SCTP_AUTH_FREE_KEY: a deleted key (KeyNumber) is no longer used.
	SCTP_AUTH_FREE_KEY
)

func (k AuthIndication) String() string {
	switch k {
	case SCTP_AUTH_NEW_KEY:
		return "SCTP_AUTH_NEW_KEY"
	case SCTP_AUTH_NO_AUTH:
		return "SCTP_AUTH_NO_AUTH"
	case SCTP_AUTH_FREE_KEY:
		return "SCTP_AUTH_FREE_KEY"
	}
	return fmt.Sprintf("AuthIndication(%d)", uint8(k))
}

// AuthKeyEvent reports an RFC 4895 authentication event
// (SCTP_AUTHENTICATION_EVENT, RFC 6458 §6.1.8); subscribe with
// EventSubscribe.Authentication.
type AuthKeyEvent struct {
	ID         AssocID
	KeyNumber  uint16
	Indication AuthIndication
}

// Assoc implements Event.
func (e AuthKeyEvent) Assoc() AssocID { return e.ID }

func (e AuthKeyEvent) String() string {
	return fmt.Sprintf("assoc %d: %v key %d", e.ID, e.Indication, e.KeyNumber)
}

// handleAuth checks a received AUTH chunk (RFC 4895 §6.3); rest is the
// packet from the AUTH chunk on. It reports whether the chunks after it are
// authenticated; when not, the caller discards them.
func (a *association) handleAuth(now time.Time, c chunk.Raw, rest []byte) bool {
	var ac chunk.Auth
	if err := ac.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return false
	}
	switch a.auth.verify(&a.cfg.authKeys, &ac, rest) {
	case authValid:
	case authBadHMACID:
		// §6.3: the AUTH and the chunks after it are discarded, and an
		// ERROR "Unsupported HMAC Identifier" (§4.1) SHOULD be sent.
		var v [2]byte
		binary.BigEndian.PutUint16(v[:], ac.HMACID)
		e := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseUnsupportedHMAC, v[:])}
		a.queueCtrl(&e)
		a.counters.DroppedUnauthenticated++
		return false
	default:
		// §6.3: unknown key identifier, wrong HMAC length, HMAC
		// mismatch: silently discarded.
		a.counters.DroppedUnauthenticated++
		return false
	}
	if !a.auth.peerKeySeen || a.auth.peerKey != ac.SharedKeyID {
		// RFC 6458 §6.1.8: the peer uses a key identifier for the first
		// time (the first AUTH of the association included).
		if a.auth.peerKeySeen {
			a.emit(AuthKeyEvent{ID: a.aid, KeyNumber: ac.SharedKeyID, Indication: SCTP_AUTH_NEW_KEY})
		}
		a.auth.peerKey, a.auth.peerKeySeen = ac.SharedKeyID, true
	}
	return true
}

// finishBundleAuth completes the AUTH chunk reserved at authOff of a
// bundle whose other chunks start at body: signed when a chunk the peer
// wants authenticated is in the bundle (RFC 4895 §6.2), else removed
// (moved over), so unauthenticated traffic carries no AUTH.
func (a *association) finishBundleAuth(b []byte, authOff, body int) []byte {
	need := false
	for off := body; off+4 <= len(b); {
		if a.auth.peerReq.has(chunk.Type(b[off])) {
			need = true
			break
		}
		off += (int(binary.BigEndian.Uint16(b[off+2:])) + 3) &^ 3
	}
	if need && a.auth.signAuth(&a.cfg.authKeys, b[authOff:]) {
		return b
	}
	n := copy(b[authOff:], b[body:])
	return b[:authOff+n]
}

// setAuthKey sets endpoint-pair shared key keyID of the live association
// (RFC 6458 §8.1.20 SCTP_AUTH_KEY with an association id).
func (a *association) setAuthKey(keyID uint16, secret []byte) error {
	r, err := a.cfg.authKeys.withKey(keyID, secret)
	if err != nil {
		return err
	}
	a.cfg.authKeys = r
	if a.auth != nil {
		a.auth.forget(keyID)
	}
	return nil
}

// setAuthActiveKey makes keyID the key our AUTH chunks use (RFC 6458
// §8.1.21 SCTP_AUTH_ACTIVE_KEY).
func (a *association) setAuthActiveKey(keyID uint16) error {
	r, err := a.cfg.authKeys.withActive(keyID)
	if err != nil {
		return err
	}
	a.cfg.authKeys = r
	return nil
}

// deleteAuthKey deletes key keyID (RFC 6458 §8.1.22 SCTP_AUTH_DELETE_KEY);
// the active key cannot be deleted. The deletion is reported by an
// SCTP_AUTH_FREE_KEY event: the key is no longer used from now on.
func (a *association) deleteAuthKey(keyID uint16) error {
	r, err := a.cfg.authKeys.withoutKey(keyID)
	if err != nil {
		return err
	}
	a.cfg.authKeys = r
	if a.auth != nil {
		a.auth.forget(keyID)
		a.emit(AuthKeyEvent{ID: a.aid, KeyNumber: keyID, Indication: SCTP_AUTH_FREE_KEY})
	}
	return nil
}

// authEnabled reports whether AUTH was negotiated with the peer.
func (a *association) authEnabled() bool { return a.auth != nil }
