package sctp

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// interopPeers are the programs the interop and wire-format tests run
// against, with the tests that skip without them. TestInteropPeersListed
// keeps the list true.
var interopPeers = []struct {
	prog    string // absolute path, or a name looked up in PATH
	install string
	tests   []string
}{
	{filepath.Join(usrsctpDir, "echo_server"), "libusrsctp-examples", []string{"TestInteropClientToUsrsctpEchoServer", "TestInteropTsharkCapture", "TestInteropUsrsctpEchoServer"}},
	{filepath.Join(usrsctpDir, "client"), "libusrsctp-examples", []string{"TestInteropUsrsctpClientToEchoServer", "TestInteropUsrsctpClient"}},
	{filepath.Join(usrsctpDir, "tsctp"), "libusrsctp-examples", []string{"TestInteropTsctpClientToDiscardServer", "TestInteropSenderToTsctpServer"}},
	{filepath.Join(usrsctpDir, "ekr_peer"), "libusrsctp-examples", []string{"TestInteropUsrsctpSimultaneousOpen"}},
	{"tshark", "tshark", []string{"TestInteropTsharkCapture", "TestTsharkDissectsOurPackets", "TestTsharkDetectsBadPackets"}},
	{"dumpcap", "wireshark-common (dumpcap)", []string{"TestInteropTsharkCapture"}},
}

// usrsctpEngineTests run whenever usrsctp's programs are installed;
// USCTP_INTEROP=0 turns them off (usrsctpTest).
var usrsctpEngineTests = []string{"TestInteropUsrsctpEchoServer", "TestInteropUsrsctpClient", "TestInteropUsrsctpSimultaneousOpen"}

// TestMain says, one line per missing peer program, what a plain
// "go test ./..." did not test (without -v the skips are silent). The go
// command shows a passing package's stderr only with -v, so without -v
// the lines go to the terminal (/dev/tty) when there is one; else, and
// with -v, to stderr.
func TestMain(m *testing.M) {
	flag.Parse()
	var w io.Writer = os.Stderr
	if !testing.Verbose() {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			reportMissingPeers(tty, exec.LookPath, os.Getenv("USCTP_INTEROP") != "0")
			tty.Close()
			os.Exit(m.Run())
		}
	}
	reportMissingPeers(w, exec.LookPath, os.Getenv("USCTP_INTEROP") != "0")
	os.Exit(m.Run())
}

// reportMissingPeers writes one line per interop peer program that
// lookPath does not find, and one if USCTP_INTEROP=0 turned the
// engine-vs-usrsctp tests off.
func reportMissingPeers(w io.Writer, lookPath func(string) (string, error), interop bool) int {
	n := 0
	for _, p := range interopPeers {
		if _, err := lookPath(p.prog); err == nil {
			continue
		}
		fmt.Fprintf(w, "usctp: %s not found (install %s): skipping %s\n", p.prog, p.install, strings.Join(p.tests, ", "))
		n++
	}
	if !interop {
		fmt.Fprintf(w, "usctp: USCTP_INTEROP=0: skipping %s (unset it to run them)\n", strings.Join(usrsctpEngineTests, ", "))
		n++
	}
	return n
}

// TestReportMissingPeers: a missing program gives one line naming it, how
// to install it and the tests it skips; present programs give none.
func TestReportMissingPeers(t *testing.T) {
	var b strings.Builder
	missing := func(p string) (string, error) {
		if p == "tshark" {
			return "", exec.ErrNotFound
		}
		return p, nil
	}
	if n := reportMissingPeers(&b, missing, true); n != 1 {
		t.Fatalf("%d lines for one missing program:\n%s", n, b.String())
	}
	want := "usctp: tshark not found (install tshark): skipping TestInteropTsharkCapture, TestTsharkDissectsOurPackets, TestTsharkDetectsBadPackets\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	if n := reportMissingPeers(&b, missing, false); n != 2 || !strings.Contains(b.String(), "USCTP_INTEROP=0: skipping") {
		t.Errorf("with USCTP_INTEROP=0: %d lines:\n%s", n, b.String())
	}
}

// TestInteropPeersListed: every test named in interopPeers exists, and
// every test file that needs a peer program is covered, so the TestMain
// report stays true.
func TestInteropPeersListed(t *testing.T) {
	var src strings.Builder
	for _, f := range []string{"interop_test.go", "interop_usrsctp_test.go", "tshark_test.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	s := src.String()
	named := map[string]bool{}
	for _, p := range interopPeers {
		for _, tn := range p.tests {
			named[tn] = true
			if !strings.Contains(s, "func "+tn+"(") {
				t.Errorf("interopPeers names %s, which does not exist", tn)
			}
		}
		base := filepath.Base(p.prog)
		if !strings.Contains(s, `"`+base+`"`) {
			t.Errorf("interopPeers lists %s, which no test uses", base)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "func Test") {
			name := strings.TrimPrefix(line, "func ")
			name = name[:strings.IndexByte(name, '(')]
			if !named[name] && name != "TestInteropUsctpToUsctp" {
				t.Errorf("%s is not in interopPeers: does it need a peer program?", name)
			}
		}
	}
}
