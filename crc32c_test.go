package sctp

import (
	"testing"
)

// bitwiseCRC32c is an independent, slow, bit-at-a-time CRC32c (reflected
// polynomial 0x82F63B78) to check the table-driven one against.
func bitwiseCRC32c(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for i := 0; i < 8; i++ {
			if c&1 != 0 {
				c = c>>1 ^ 0x82F63B78
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

func TestCRC32cVectors(t *testing.T) {
	asc := make([]byte, 32)
	desc := make([]byte, 32)
	ones := make([]byte, 32)
	for i := range asc {
		asc[i] = byte(i)
		desc[i] = byte(31 - i)
		ones[i] = 0xff
	}
	// The check value and the iSCSI test vectors of RFC 3720 B.4.
	cases := []struct {
		in   []byte
		want uint32
	}{
		{[]byte("123456789"), 0xE3069283},
		{make([]byte, 32), 0x8A9136AA},
		{ones, 0x62A8AB43},
		{asc, 0x46DD794E},
		{desc, 0x113FDB5C},
	}
	for _, c := range cases {
		if got := crc32c(c.in); got != c.want {
			t.Errorf("crc32c(% x) = %#08x want %#08x", c.in[:4], got, c.want)
		}
		if got := bitwiseCRC32c(c.in); got != c.want {
			t.Errorf("reference CRC32c wrong: %#08x", got)
		}
	}
	b := make([]byte, 1452)
	for i := range b {
		b[i] = byte(i * 7)
	}
	if crc32c(b) != bitwiseCRC32c(b) {
		t.Error("CRC32c disagrees with the bitwise reference on 1452 bytes")
	}
}

func BenchmarkCRC32c1452(b *testing.B) {
	buf := make([]byte, 1452)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		finalizePacket(buf)
	}
}
