package sctp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// tsharkCleanFrames has tshark decode a capture of UDP-encapsulated SCTP on
// port (runTsharkOn), fails the test unless every frame is SCTP with a good
// CRC32c, none malformed and no expert error, and returns the frames. ok
// is false, with a log line, when tshark is not installed (the interop
// tests still check the rest).
func tsharkCleanFrames(t *testing.T, capture []byte, port uint16, extra ...string) (frames []tsharkFrame, ok bool) {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Log("tshark not installed: capture not decoded")
		return nil, false
	}
	file := filepath.Join(t.TempDir(), "capture.pcap")
	if err := os.WriteFile(file, capture, 0o644); err != nil {
		t.Fatal(err)
	}
	frames = runTsharkOn(t, tshark, file, port, extra...)
	for _, f := range frames {
		if f.checksumStatus != "1" || f.malformed || f.expertErrors > 0 {
			t.Errorf("frame %s: checksum status %q, malformed %v, %d expert errors", f.number, f.checksumStatus, f.malformed, f.expertErrors)
		}
	}
	return frames, true
}

// tsharkCountChunks counts the chunks of type ct in frames, and those of
// them in frames sent from UDP port from.
func tsharkCountChunks(frames []tsharkFrame, ct int, from uint16) (all, fromPort int) {
	want, port := strconv.Itoa(ct), strconv.Itoa(int(from))
	for _, f := range frames {
		for _, c := range f.chunkTypes {
			if c == want {
				all++
				if f.srcPort == port {
					fromPort++
				}
			}
		}
	}
	return all, fromPort
}
