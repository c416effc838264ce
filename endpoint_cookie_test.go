package sctp

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// seededReader is a deterministic io.Reader for secrets in tests.
type seededReader struct{ r *rand.ChaCha8 }

func newSeededReader(seed byte) *seededReader {
	return &seededReader{r: rand.NewChaCha8([32]byte{seed})}
}

func (s *seededReader) Read(p []byte) (int, error) { return s.r.Read(p) }

var cookieT0 = time.Date(2026, 11, 26, 1, 0, 0, 123456789, time.UTC)

func testCookie(nAddrs int) *stateCookie {
	c := &stateCookie{
		created:         cookieT0,
		lifetime:        60 * time.Second,
		localTag:        0x11223344,
		peerTag:         0x55667788,
		localInitialTSN: 0x99aabbcc,
		peerInitialTSN:  0xddeeff00,
		peerRwnd:        131072,
		outStreams:      10,
		inStreams:       65535,
		localPort:       5000,
		peerPort:        5001,
		peerUDPPort:     9899,
		tieLocalTag:     0xdeadbeef,
		tiePeerTag:      0xcafef00d,
		peerExt:         extForwardTSN | extReconfig | extIData | extAdaptation,
		adaptation:      0x01020304,
	}
	for i := range nAddrs {
		var a netip.Addr
		if i%2 == 0 {
			a = netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
		} else {
			a = netip.AddrFrom16([16]byte{0: 0xfd, 15: byte(i + 1)})
		}
		if !c.addPeerAddr(a) {
			panic("addPeerAddr failed")
		}
	}
	return c
}

func TestCookieRoundTrip(t *testing.T) {
	s := newCookieSealer(newSeededReader(1))
	for _, n := range []int{0, 1, 2, cookieMaxAddrs} {
		in := testCookie(n)
		prefix := []byte("prefix")
		sealed := s.seal(prefix, in)
		if !bytes.Equal(sealed[:len(prefix)], []byte("prefix")) {
			t.Fatalf("seal clobbered the prefix")
		}
		body := sealed[len(prefix):]
		if len(body) != in.plainLen()+cookieOverhead {
			t.Fatalf("n=%d: sealed length %d, want %d", n, len(body), in.plainLen()+cookieOverhead)
		}
		saved := bytes.Clone(body)
		var out stateCookie
		if err := s.open(body, &out); err != nil {
			t.Fatalf("n=%d: open: %v", n, err)
		}
		if !bytes.Equal(body, saved) {
			t.Fatalf("open modified its input")
		}
		if !out.created.Equal(in.created) {
			t.Fatalf("created %v, want %v", out.created, in.created)
		}
		out.created = in.created
		if out != *in {
			t.Fatalf("n=%d: round trip mismatch:\n got %+v\nwant %+v", n, out, *in)
		}
	}
}

func TestCookieIsOpaque(t *testing.T) {
	s := newCookieSealer(newSeededReader(2))
	c := testCookie(1)
	sealed := s.seal(nil, c)
	for _, needle := range [][]byte{{0x11, 0x22, 0x33, 0x44}, {0x55, 0x66, 0x77, 0x88}, {192, 0, 2, 1}} {
		if bytes.Contains(sealed, needle) {
			t.Errorf("sealed cookie contains plaintext %x", needle)
		}
	}
	// Two seals of the same cookie differ (distinct nonces).
	if again := s.seal(nil, c); bytes.Equal(again, sealed) {
		t.Errorf("two seals are identical: nonce reused")
	}
}

func TestCookieAddPeerAddr(t *testing.T) {
	var c stateCookie
	if c.addPeerAddr(netip.Addr{}) {
		t.Errorf("invalid address accepted")
	}
	a := netip.MustParseAddr("fe80::1%eth0")
	if !c.addPeerAddr(a) {
		t.Fatalf("address refused")
	}
	if c.addrs()[0] != netip.MustParseAddr("fe80::1") {
		t.Errorf("zone kept: %v", c.addrs()[0])
	}
	if c.addPeerAddr(netip.MustParseAddr("fe80::1")) {
		t.Errorf("duplicate accepted")
	}
	for i := 1; i < cookieMaxAddrs; i++ {
		if !c.addPeerAddr(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})) {
			t.Fatalf("address %d refused", i)
		}
	}
	if c.addPeerAddr(netip.MustParseAddr("10.1.1.1")) || len(c.addrs()) != cookieMaxAddrs {
		t.Errorf("more than %d addresses accepted", cookieMaxAddrs)
	}
}

func TestCookieTamperEveryByte(t *testing.T) {
	s := newCookieSealer(newSeededReader(3))
	sealed := s.seal(nil, testCookie(3))
	want := testCookie(5) // distinct content: must be left unchanged on failure
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(sealed)
			bad[i] ^= flip
			got := *want
			if err := s.open(bad, &got); !errors.Is(err, errCookieInvalid) {
				t.Fatalf("byte %d ^%#x: err %v, want errCookieInvalid", i, flip, err)
			}
			if got != *want {
				t.Fatalf("byte %d: failed open modified the cookie", i)
			}
		}
	}
	// Every truncation and every extension is invalid too.
	for n := range len(sealed) {
		if err := s.open(sealed[:n], new(stateCookie)); !errors.Is(err, errCookieInvalid) {
			t.Fatalf("truncated to %d: err %v", n, err)
		}
	}
	for _, extra := range [][]byte{{0}, make([]byte, 16), make([]byte, cookieMaxSealedLen)} {
		long := append(bytes.Clone(sealed), extra...)
		if err := s.open(long, new(stateCookie)); !errors.Is(err, errCookieInvalid) {
			t.Fatalf("extended by %d: err %v", len(extra), err)
		}
	}
	if err := s.open(sealed, new(stateCookie)); err != nil {
		t.Fatalf("original no longer opens: %v", err)
	}
}

func TestCookieWrongSecret(t *testing.T) {
	a := newCookieSealer(newSeededReader(4))
	b := newCookieSealer(newSeededReader(5))
	sealed := a.seal(nil, testCookie(2))
	if err := b.open(sealed, new(stateCookie)); !errors.Is(err, errCookieInvalid) {
		t.Fatalf("other endpoint's cookie: err %v, want errCookieInvalid", err)
	}
	if err := a.open(sealed, new(stateCookie)); err != nil {
		t.Fatalf("own cookie: %v", err)
	}
}

func TestCookieRotation(t *testing.T) {
	rnd := newSeededReader(6)
	s := newCookieSealer(rnd)
	c := testCookie(1)
	gen0 := s.seal(nil, c)
	s.rotate(rnd)
	gen1 := s.seal(nil, c)
	if err := s.open(gen0, new(stateCookie)); err != nil {
		t.Fatalf("previous secret rejected: %v", err)
	}
	if err := s.open(gen1, new(stateCookie)); err != nil {
		t.Fatalf("current secret rejected: %v", err)
	}
	s.rotate(rnd)
	if err := s.open(gen0, new(stateCookie)); !errors.Is(err, errCookieInvalid) {
		t.Fatalf("cookie from two rotations ago: err %v, want errCookieInvalid", err)
	}
	if err := s.open(gen1, new(stateCookie)); err != nil {
		t.Fatalf("previous secret rejected after second rotation: %v", err)
	}
	// The generation byte wraps after 256 rotations; a cookie whose
	// generation byte matches again must still fail under the new secret.
	old := s.seal(nil, c)
	for range 256 {
		s.rotate(rnd)
	}
	if old[0] != s.keys[s.cur].gen {
		t.Fatalf("test setup: generation %d, want %d", s.keys[s.cur].gen, old[0])
	}
	if err := s.open(old, new(stateCookie)); !errors.Is(err, errCookieInvalid) {
		t.Fatalf("cookie from 256 rotations ago with the same generation: err %v", err)
	}
}

func TestCookieStale(t *testing.T) {
	c := testCookie(0)
	expiry := cookieT0.Add(60 * time.Second)
	for _, tc := range []struct {
		now   time.Time
		stale bool
		by    time.Duration
	}{
		{cookieT0, false, 0},
		{cookieT0.Add(-time.Hour), false, 0}, // clock stepped back
		{expiry.Add(-time.Nanosecond), false, 0},
		{expiry, false, 0}, // elapsed == lifespan: not longer than it
		{expiry.Add(time.Nanosecond), true, time.Nanosecond},
		{expiry.Add(1500 * time.Microsecond), true, 1500 * time.Microsecond},
		{expiry.Add(3 * time.Hour), true, 3 * time.Hour},
	} {
		stale, by := c.stale(tc.now)
		if stale != tc.stale || by != tc.by {
			t.Errorf("stale(expiry%+v) = %v, %v; want %v, %v", tc.now.Sub(expiry), stale, by, tc.stale, tc.by)
		}
	}
	// Staleness survives a seal/open round trip (creation time in Unix ns).
	s := newCookieSealer(newSeededReader(7))
	var out stateCookie
	if err := s.open(s.seal(nil, c), &out); err != nil {
		t.Fatal(err)
	}
	if stale, by := out.stale(expiry.Add(time.Microsecond)); !stale || by != time.Microsecond {
		t.Errorf("after round trip: stale %v by %v", stale, by)
	}
	if stale, _ := out.stale(expiry); stale {
		t.Errorf("after round trip: stale at expiry")
	}

	for _, tc := range []struct {
		by   time.Duration
		want uint32
	}{
		{0, 0}, {-time.Second, 0}, {999 * time.Nanosecond, 0}, {time.Microsecond, 1},
		{1500 * time.Millisecond, 1500000}, {time.Duration(math.MaxUint32) * time.Microsecond, math.MaxUint32},
		{100 * time.Hour, math.MaxUint32},
	} {
		if got := stalenessMicros(tc.by); got != tc.want {
			t.Errorf("stalenessMicros(%v) = %d, want %d", tc.by, got, tc.want)
		}
	}
}

func TestCookieLifetime(t *testing.T) {
	if got := cookieLifetime(60*time.Second, 0, 10*time.Second); got != 60*time.Second {
		t.Errorf("no increment: %v", got)
	}
	if got := cookieLifetime(60*time.Second, 2500*time.Millisecond, 10*time.Second); got != 62500*time.Millisecond {
		t.Errorf("increment 2500 ms: %v", got)
	}
	if got := cookieLifetime(60*time.Second, math.MaxUint32*time.Millisecond, 10*time.Second); got != 70*time.Second {
		t.Errorf("huge increment not capped: %v", got)
	}
}

// TestCookieRandomGarbage feeds random byte strings, and random strings with
// a valid generation byte, to open: all must be rejected without panicking.
func TestCookieRandomGarbage(t *testing.T) {
	s := newCookieSealer(newSeededReader(8))
	valid := s.seal(nil, testCookie(4))
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, cookieMaxSealedLen+64)
	for i := range 20000 {
		n := r.IntN(len(buf) + 1)
		b := buf[:n]
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		switch i % 3 {
		case 1: // valid header, random body
			if n > 0 {
				b[0] = valid[0]
			}
		case 2: // a valid cookie, possibly truncated, with one byte flipped
			if n > len(valid) {
				n = len(valid)
				b = b[:n]
			}
			copy(b, valid)
			if n > 0 {
				b[r.IntN(n)] ^= byte(1 + r.IntN(255))
			}
		}
		if err := s.open(b, new(stateCookie)); !errors.Is(err, errCookieInvalid) {
			t.Fatalf("iteration %d (%d bytes): err %v", i, n, err)
		}
	}
}

// TestCookieDecodePlainStrict checks the post-authentication decoder rejects
// every malformed plaintext (defence in depth: a format change or a bug must
// not yield a half-decoded cookie).
func TestCookieDecodePlainStrict(t *testing.T) {
	good := testCookie(3).appendPlain(nil)
	var c stateCookie
	if !c.decodePlain(good) {
		t.Fatalf("good plaintext rejected")
	}
	bad := map[string][]byte{
		"empty":       nil,
		"short":       good[:cookieFixedLen-1],
		"format":      append([]byte{cookieFormat + 1}, good[1:]...),
		"trailing":    append(bytes.Clone(good), 0),
		"truncated":   good[:len(good)-1],
		"count high":  func() []byte { b := bytes.Clone(good); b[63] = cookieMaxAddrs + 1; return b }(),
		"count more":  func() []byte { b := bytes.Clone(good); b[63]++; return b }(),
		"count less":  func() []byte { b := bytes.Clone(good); b[63]--; return b }(),
		"addr len 5":  func() []byte { b := bytes.Clone(good); b[cookieFixedLen] = 5; return b }(),
		"addr len 16": func() []byte { b := bytes.Clone(good); b[cookieFixedLen] = 16; return b }(),
	}
	for name, p := range bad {
		before := c
		if c.decodePlain(p) {
			t.Errorf("%s: accepted", name)
		}
		if c != before {
			t.Errorf("%s: cookie modified on failure", name)
		}
	}
}

func TestCookieSealNoAlloc(t *testing.T) {
	s := newCookieSealer(newSeededReader(9))
	c := testCookie(cookieMaxAddrs)
	buf := make([]byte, 0, cookieMaxSealedLen)
	var sealed []byte
	if n := testing.AllocsPerRun(100, func() { sealed = s.seal(buf[:0], c) }); n != 0 {
		t.Errorf("seal into a large enough buffer: %v allocs", n)
	}
	var out stateCookie
	if n := testing.AllocsPerRun(100, func() {
		if s.open(sealed, &out) != nil {
			panic("open failed")
		}
	}); n != 0 {
		t.Errorf("open: %v allocs", n)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if n := testing.AllocsPerRun(100, func() {
		if s.open(bad, &out) == nil {
			panic("tampered cookie opened")
		}
	}); n != 0 {
		t.Errorf("open failure path: %v allocs", n)
	}
}

func BenchmarkCookieSeal(b *testing.B) {
	s := newCookieSealer(newSeededReader(10))
	c := testCookie(2)
	buf := make([]byte, 0, cookieMaxSealedLen)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.seal(buf[:0], c)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkCookieOpen(b *testing.B) {
	s := newCookieSealer(newSeededReader(11))
	sealed := s.seal(nil, testCookie(2))
	var c stateCookie
	b.ReportAllocs()
	b.SetBytes(int64(len(sealed)))
	for b.Loop() {
		if err := s.open(sealed, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCookieOpenInvalid(b *testing.B) {
	s := newCookieSealer(newSeededReader(12))
	sealed := s.seal(nil, testCookie(2))
	sealed[20] ^= 1
	var c stateCookie
	b.ReportAllocs()
	for b.Loop() {
		if err := s.open(sealed, &c); err == nil {
			b.Fatal("tampered cookie opened")
		}
	}
}

// FuzzCookieOpen: open never panics, and accepts only what seal produced
// (a forgery would need the secret). Seeds: a valid cookie and mutations.
func FuzzCookieOpen(f *testing.F) {
	s := newCookieSealer(newSeededReader(13))
	valid := s.seal(nil, testCookie(3))
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add([]byte{})
	f.Add(make([]byte, cookieMinSealedLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c stateCookie
		err := s.open(b, &c)
		if err == nil && !bytes.Equal(b, valid) {
			t.Fatalf("forged cookie opened: %x", b)
		}
		if err != nil && !errors.Is(err, errCookieInvalid) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
