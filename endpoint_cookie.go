package sctp

import (
	"crypto/cipher"
	"encoding/binary"
	"io"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/usctp/sctp/chunk"
	"golang.org/x/crypto/chacha20poly1305"
)

// extSet is a set of protocol extensions, used for what the peer announced
// in its INIT / INIT ACK (Supported Extensions parameter, RFC 5061 §4.2.7, and
// the individual capability parameters).
type extSet uint32

// Extension bits of an extSet.
const (
	extForwardTSN   extSet = 1 << iota // RFC 3758 PR-SCTP (FORWARD TSN)
	extReconfig                        // RFC 6525 stream reconfiguration
	extIData                           // RFC 8260 I-DATA / I-FORWARD TSN
	extAsconf                          // RFC 5061 ASCONF / ASCONF-ACK
	extAuth                            // RFC 4895 AUTH
	extPad                             // RFC 4820 PAD
	extECN                             // RFC 9260 Appendix A ECN capable
	extZeroChecksum                    // RFC 9653 zero checksum acceptable
	extAdaptation                      // RFC 5061 §4.2.6 Adaptation Layer Indication present (value in stateCookie.adaptation)
)

// has reports whether every bit of x is in e.
func (e extSet) has(x extSet) bool { return e&x == x }

// cookieMaxAddrs bounds the peer addresses a State Cookie carries (and so the
// addresses from an INIT the association will know). Extra addresses in an
// INIT are ignored by the endpoint.
const cookieMaxAddrs = 16

// stateCookie is the TCB summary a listening endpoint hands to the peer in
// the INIT ACK instead of keeping state (RFC 9260 §5.1.3), and rebuilds the
// association from when the COOKIE ECHO returns it (§5.1.5). It is a plain
// value; seal and open convert it to and from its sealed wire form.
//
// By convention peerAddrs[0] is the source address of the INIT; the rest are
// the IPv4/IPv6 Address parameters of the INIT, in order, at most
// cookieMaxAddrs in all. IPv6 zones are not carried.
type stateCookie struct {
	created  time.Time     // when the INIT ACK was built (stored as Unix nanoseconds)
	lifetime time.Duration // Valid.Cookie.Life (+ any Cookie Preservative increment)

	localTag, peerTag               uint32 // our Initiate Tag (INIT ACK), the peer's (INIT)
	localInitialTSN, peerInitialTSN uint32
	peerRwnd                        uint32 // a_rwnd of the INIT
	outStreams, inStreams           uint16 // negotiated: min(our OS, peer MIS), min(our MIS, peer OS)
	localPort, peerPort             uint16 // SCTP ports (common header of the INIT)
	peerUDPPort                     uint16 // UDP source port of the INIT (RFC 6951 §5.4)
	tieLocalTag, tiePeerTag         uint32 // Tie-Tags (RFC 9260 §5.2.2); zero when no existing association
	peerExt                         extSet // extensions the peer supports
	adaptation                      uint32 // Adaptation Code Point, valid when peerExt.has(extAdaptation)

	nPeerAddrs int
	peerAddrs  [cookieMaxAddrs]netip.Addr

	// RFC 4895 §6.1 key vectors (RANDOM, CHUNKS, HMAC-ALGO unpadded), ours
	// as sent in the INIT ACK and the peer's from its INIT; both empty
	// when AUTH was not negotiated. Fixed arrays: open allocates nothing.
	nAuthLocal, nAuthPeer int
	authLocal, authPeer   [maxAuthVectorLen]byte
}

// setAuth records the two AUTH key vectors; false (nothing recorded) when
// one does not fit.
func (c *stateCookie) setAuth(local, peer []byte) bool {
	if len(local) > maxAuthVectorLen || len(peer) > maxAuthVectorLen || len(local) == 0 || len(peer) == 0 {
		return false
	}
	c.nAuthLocal = copy(c.authLocal[:], local)
	c.nAuthPeer = copy(c.authPeer[:], peer)
	return true
}

// authVectors returns the AUTH key vectors (views), empty without AUTH.
func (c *stateCookie) authVectors() (local, peer []byte) {
	return c.authLocal[:c.nAuthLocal], c.authPeer[:c.nAuthPeer]
}

// addrs returns the peer addresses carried by the cookie (a view, not a copy).
func (c *stateCookie) addrs() []netip.Addr { return c.peerAddrs[:c.nPeerAddrs] }

// addPeerAddr appends a peer address (IPv4-mapped IPv6 is stored as IPv4, a
// zone is dropped). It reports false, and changes nothing, when the address
// is invalid, already present, or the cookie is full.
func (c *stateCookie) addPeerAddr(a netip.Addr) bool {
	if !a.IsValid() || c.nPeerAddrs >= cookieMaxAddrs {
		return false
	}
	a = a.Unmap().WithZone("")
	if slices.Contains(c.addrs(), a) {
		return false
	}
	c.peerAddrs[c.nPeerAddrs] = a
	c.nPeerAddrs++
	return true
}

// stale reports whether the cookie has expired at now and, if so, by how
// much: RFC 9260 §5.1.5 step 3 — "If the elapsed time is longer than the
// lifespan carried in the State Cookie" the COOKIE ECHO is discarded and an
// ERROR with a Stale Cookie cause (3) reports the difference between now and
// the expiry (see stalenessMicros). Elapsed time equal to the lifespan is not
// stale. A creation time in the future (the local clock stepped back) is
// treated as fresh: the cookie is ours, it authenticated.
func (c *stateCookie) stale(now time.Time) (stale bool, by time.Duration) {
	expiry := c.created.Add(c.lifetime)
	if !now.After(expiry) {
		return false, 0
	}
	return true, now.Sub(expiry)
}

// stalenessMicros converts a staleness to the 32-bit microsecond Measure of
// Staleness of the Stale Cookie error cause (RFC 9260 §3.3.10.3), saturating.
func stalenessMicros(by time.Duration) uint32 {
	us := by.Microseconds()
	switch {
	case us <= 0:
		return 0
	case us >= math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(us)
}

// cookieLifetime returns the lifetime of a cookie for an INIT that may carry
// a Cookie Preservative parameter (RFC 9260 §5.1.3, §3.3.2.1: "Suggested Cookie
// Life-Span Increment"). The receiver MAY honour it; we add it but never
// more than maxIncrement.
func cookieLifetime(base, increment, maxIncrement time.Duration) time.Duration {
	inc := increment
	if inc > maxIncrement {
		inc = maxIncrement
	}
	if inc < 0 {
		inc = 0
	}
	return base + inc
}

// Plaintext layout of a cookie (big endian), version 1:
//
//	0   format (1)
//	1   created, Unix ns (8)        9  lifetime, ns (8)
//	17  localTag (4)                21 peerTag (4)
//	25  localInitialTSN (4)         29 peerInitialTSN (4)
//	33  peerRwnd (4)
//	37  outStreams (2) 39 inStreams (2) 41 localPort (2) 43 peerPort (2) 45 peerUDPPort (2)
//	47  tieLocalTag (4)             51 tiePeerTag (4)
//	55  peerExt (4)                 59 adaptation (4)
//	63  address count (1), then per address: length (1, 4 or 16) + address
//	then, only when AUTH was negotiated (RFC 4895 §6.1): our key vector
//	length (2) + vector, the peer's key vector length (2) + vector
const (
	cookieFormat       = 1
	cookieFixedLen     = 64
	cookieMaxPlainLen  = cookieFixedLen + cookieMaxAddrs*(1+16) + 2*(2+maxAuthVectorLen)
	cookieHeaderLen    = 1 + 8 // key generation + 64-bit nonce counter, in the clear
	cookieOverhead     = cookieHeaderLen + chacha20poly1305.Overhead
	cookieMinSealedLen = cookieFixedLen + cookieOverhead
	cookieMaxSealedLen = cookieMaxPlainLen + cookieOverhead
)

// plainLen is the length of c's plaintext encoding.
func (c *stateCookie) plainLen() int {
	n := cookieFixedLen
	for _, a := range c.addrs() {
		n += 1 + a.BitLen()/8
	}
	if c.nAuthLocal > 0 {
		n += 4 + c.nAuthLocal + c.nAuthPeer
	}
	return n
}

// appendPlain appends the plaintext encoding of c.
func (c *stateCookie) appendPlain(b []byte) []byte {
	if c.nPeerAddrs < 0 || c.nPeerAddrs > cookieMaxAddrs {
		panic("BUG: stateCookie address count out of range")
	}
	b = append(b, cookieFormat)
	b = binary.BigEndian.AppendUint64(b, uint64(c.created.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(c.lifetime))
	for _, v := range [...]uint32{c.localTag, c.peerTag, c.localInitialTSN, c.peerInitialTSN, c.peerRwnd} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	for _, v := range [...]uint16{c.outStreams, c.inStreams, c.localPort, c.peerPort, c.peerUDPPort} {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	for _, v := range [...]uint32{c.tieLocalTag, c.tiePeerTag, uint32(c.peerExt), c.adaptation} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = append(b, byte(c.nPeerAddrs))
	for _, a := range c.addrs() {
		if a.Is4() {
			v := a.As4()
			b = append(b, 4)
			b = append(b, v[:]...)
		} else {
			v := a.As16()
			b = append(b, 16)
			b = append(b, v[:]...)
		}
	}
	if c.nAuthLocal > 0 {
		local, peer := c.authVectors()
		b = binary.BigEndian.AppendUint16(b, uint16(len(local)))
		b = append(b, local...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(peer)))
		b = append(b, peer...)
	}
	return b
}

// decodePlain fills c from a plaintext encoding; it reports false, leaving c
// unchanged, for anything but an exact, well-formed encoding.
func (c *stateCookie) decodePlain(p []byte) bool {
	if len(p) < cookieFixedLen || len(p) > cookieMaxPlainLen || p[0] != cookieFormat {
		return false
	}
	n := int(p[63])
	if n > cookieMaxAddrs {
		return false
	}
	// Validate the address list before touching c.
	off := cookieFixedLen
	for range n {
		if off >= len(p) {
			return false
		}
		l := int(p[off])
		if (l != 4 && l != 16) || len(p)-off-1 < l {
			return false
		}
		off += 1 + l
	}
	// The AUTH key vectors, when present, end the encoding.
	authOff, nLocal, nPeer := off, 0, 0
	if off != len(p) {
		if len(p)-off < 2 {
			return false
		}
		nLocal = int(binary.BigEndian.Uint16(p[off:]))
		off += 2
		if nLocal == 0 || nLocal > maxAuthVectorLen || len(p)-off < nLocal+2 {
			return false
		}
		off += nLocal
		nPeer = int(binary.BigEndian.Uint16(p[off:]))
		off += 2
		if nPeer == 0 || nPeer > maxAuthVectorLen || len(p)-off != nPeer {
			return false
		}
		off += nPeer
	}
	be := binary.BigEndian
	c.created = time.Unix(0, int64(be.Uint64(p[1:])))
	c.lifetime = time.Duration(be.Uint64(p[9:]))
	for i, f := range [...]*uint32{&c.localTag, &c.peerTag, &c.localInitialTSN, &c.peerInitialTSN, &c.peerRwnd} {
		*f = be.Uint32(p[17+4*i:])
	}
	for i, f := range [...]*uint16{&c.outStreams, &c.inStreams, &c.localPort, &c.peerPort, &c.peerUDPPort} {
		*f = be.Uint16(p[37+2*i:])
	}
	c.tieLocalTag = be.Uint32(p[47:])
	c.tiePeerTag = be.Uint32(p[51:])
	c.peerExt = extSet(be.Uint32(p[55:]))
	c.adaptation = be.Uint32(p[59:])
	c.nPeerAddrs = n
	off = cookieFixedLen
	for i := range n {
		l := int(p[off])
		if l == 4 {
			c.peerAddrs[i] = netip.AddrFrom4([4]byte(p[off+1 : off+5]))
		} else {
			c.peerAddrs[i] = netip.AddrFrom16([16]byte(p[off+1 : off+17]))
		}
		off += 1 + l
	}
	clear(c.peerAddrs[n:])
	c.nAuthLocal, c.nAuthPeer = 0, 0
	if nLocal > 0 {
		c.nAuthLocal = copy(c.authLocal[:], p[authOff+2:authOff+2+nLocal])
		c.nAuthPeer = copy(c.authPeer[:], p[authOff+4+nLocal:])
	}
	return true
}

// cookieKey is one endpoint secret.
type cookieKey struct {
	aead    cipher.AEAD // nil: slot unused
	gen     uint8       // generation, written in the clear so open picks the key
	counter uint64      // nonces used under this key
}

// cookieSealer seals and opens State Cookies under an endpoint secret
// (RFC 9260 §5.1.3: the cookie must be authenticated; we also make it opaque).
// It keeps the current secret and the previous one: cookies sealed before the
// last rotate still open, cookies from two rotations ago do not. Not safe for
// concurrent use (the endpoint owns it).
//
// Rotation period: rotate no more often than the longest cookie lifetime
// handed out (Valid.Cookie.Life plus the largest Cookie Preservative
// increment honoured). Then every cookie still within its lifetime opens,
// and an expired one is answered with a Stale Cookie error (§5.1.5 step 3)
// rather than silently dropped.
//
// AEAD choice: ChaCha20-Poly1305 with a counter nonce rather than
// XChaCha20-Poly1305 with a random nonce. Every key is fresh random bytes from
// rotate and its counter starts at zero with it, so (key, nonce) never repeats
// (2^64 seals per key cannot be reached), and sealing needs no entropy per INIT
// — a hostile INIT flood costs no random reads — and the cookie is 15 bytes
// smaller. The counter reveals only how many INITs we answered since the last
// rotation. Authentication is Poly1305 whose tag check is constant time.
//
// Sealed format: gen (1) | counter (8) | ciphertext | tag (16); the nonce is
// 0x00 0x00 0x00 gen | counter, so the header is authenticated implicitly.
type cookieSealer struct {
	keys  [2]cookieKey
	cur   int // index of the current key in keys
	nonce [chacha20poly1305.NonceSize]byte
	plain [cookieMaxPlainLen]byte // open's scratch, so the failure path allocates nothing
}

// newCookieSealer returns a sealer with a fresh secret read from rand.
func newCookieSealer(rand io.Reader) *cookieSealer {
	s := &cookieSealer{}
	s.keys[0] = newCookieKey(rand, 0)
	return s
}

// rotate makes a fresh secret current; the current one becomes the previous
// one and the previous one is forgotten.
func (s *cookieSealer) rotate(rand io.Reader) {
	next := 1 - s.cur
	s.keys[next] = newCookieKey(rand, s.keys[s.cur].gen+1)
	s.cur = next
}

func newCookieKey(rand io.Reader, gen uint8) cookieKey {
	var secret [chacha20poly1305.KeySize]byte
	if _, err := io.ReadFull(rand, secret[:]); err != nil {
		panic("BUG: cookie secret: random source failed: " + err.Error())
	}
	aead, err := chacha20poly1305.New(secret[:])
	clear(secret[:])
	if err != nil {
		panic("BUG: cookie secret: " + err.Error())
	}
	return cookieKey{aead: aead, gen: gen}
}

func (s *cookieSealer) setNonce(gen uint8, counter uint64) []byte {
	s.nonce = [chacha20poly1305.NonceSize]byte{3: gen}
	binary.BigEndian.PutUint64(s.nonce[4:], counter)
	return s.nonce[:]
}

// seal appends the sealed form of c to b (the value of the INIT ACK's State
// Cookie parameter) and returns the extended slice. It allocates only if b
// lacks capacity.
func (s *cookieSealer) seal(b []byte, c *stateCookie) []byte {
	k := &s.keys[s.cur]
	k.counter++
	if k.counter == 0 {
		panic("BUG: cookie nonce counter wrapped")
	}
	start := len(b)
	b = slices.Grow(b, cookieOverhead+c.plainLen())
	b = append(b, k.gen)
	b = binary.BigEndian.AppendUint64(b, k.counter)
	pt := c.appendPlain(b)[len(b):]
	// In-place: dst = plaintext[:0] is the documented aliasing; capacity for
	// the tag was reserved above.
	ct := k.aead.Seal(pt[:0], s.setNonce(k.gen, k.counter), pt, nil)
	return b[:start+cookieHeaderLen+len(ct)]
}

// open authenticates and decodes a sealed cookie into c. Any input that was
// not produced by seal under the current or previous secret — short, long,
// truncated, tampered, unknown generation — yields errCookieInvalid and
// leaves c unchanged. sealed is not modified. The key is picked by the
// generation byte instead of trying both: a forged generation can only
// select a key the tag then fails under.
func (s *cookieSealer) open(sealed []byte, c *stateCookie) error {
	if len(sealed) < cookieMinSealedLen || len(sealed) > cookieMaxSealedLen {
		return errCookieInvalid
	}
	var k *cookieKey
	for i := range s.keys {
		if s.keys[i].aead != nil && s.keys[i].gen == sealed[0] {
			k = &s.keys[i]
		}
	}
	if k == nil {
		return errCookieInvalid
	}
	nonce := s.setNonce(sealed[0], binary.BigEndian.Uint64(sealed[1:]))
	pt, err := k.aead.Open(s.plain[:0], nonce, sealed[cookieHeaderLen:], nil)
	if err != nil || !c.decodePlain(pt) {
		clear(s.plain[:])
		return errCookieInvalid
	}
	clear(pt)
	return nil
}

// appendUnrecognizedReports appends to params (the INIT ACK's other
// parameters) one Unrecognized Parameter parameter per parameter of
// unrecognized, the INIT's parameters whose action bits ask for a report
// (RFC 9260 §3.2.1, §3.3.3.1), while the INIT ACK stays within mtu, the
// largest SCTP packet we send. The INIT came in one datagram of up to
// 65,507 bytes and every report is 4 bytes longer than what it reports,
// so reporting everything could exceed both the packet size and the
// 65,535 bytes a chunk length can express. RFC 9260 asks for the report
// but sets no size for it; whole parameters are reported in order, each
// one that still fits, the others are counted (UnrecognizedNotReported)
// and the handshake goes on without their report.
func (e *endpoint) appendUnrecognizedReports(params, unrecognized []byte, mtu int) []byte {
	budget := mtu - commonHeaderLen - chunk.InitHeaderLen - len(params)
	it := chunk.NewParamIter(unrecognized)
	for it.Next() {
		raw := it.Raw()
		// Every parameter ends on a 4-byte boundary inside the list.
		need := 4 + (len(raw)+3)&^3
		if need > budget {
			e.counters.UnrecognizedNotReported++
			continue
		}
		budget -= need
		params = chunk.AppendParam(params, chunk.ParamUnrecognized, raw)
	}
	return params
}

// boundedHostName is the Host Name Address parameter an ABORT with cause 5
// echoes (RFC 9260 §5.1.2, §3.3.10.5): RFC 9260 limits no length, but a
// peer's parameter fills up to a whole datagram; beyond 256 bytes the
// cause goes without it.
func boundedHostName(param []byte) []byte {
	if len(param) > 256 {
		return nil
	}
	return param
}
