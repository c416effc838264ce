package main

import (
	"bytes"
	"context"
	enc "encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usctp/sctp/internal/pcap"
)

// These tests build the sctpcat binary once and drive real processes over
// real UDP on 127.0.0.1 with ports chosen at run time. Every process is
// bounded by a context deadline and killed on cleanup.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds sctpcat (with -race when the tests run with it).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sctpcat-test")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "sctpcat")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is one running sctpcat.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, set before done is closed
	stdout lockedBuf
	stderr lockedBuf
}

// lockedBuf collects output and wakes waiters on every write.
type lockedBuf struct {
	mu     sync.Mutex
	b      bytes.Buffer
	change chan struct{}
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if l.change != nil {
		close(l.change)
		l.change = nil
	}
	return n, err
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wait returns the contents and a channel closed at the next write.
func (l *lockedBuf) wait() (string, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.change == nil {
		l.change = make(chan struct{})
	}
	return l.b.String(), l.change
}

// start runs sctpcat with args, stdin (nil: none) and a hard deadline.
func start(t *testing.T, limit time.Duration, stdin string, args ...string) *proc {
	t.Helper()
	return startCmd(t, limit, stdin, binary(t), args...)
}

func startCmd(t *testing.T, limit time.Duration, stdin, name string, args ...string) *proc {
	t.Helper()
	var r io.Reader
	if stdin != "" {
		r = strings.NewReader(stdin)
	}
	return startIn(t, limit, r, name, args...)
}

// startIn starts name with stdin r (nil: empty).
func startIn(t *testing.T, limit time.Duration, r io.Reader, name string, args ...string) *proc {
	t.Helper()
	p := newProc(t, limit, name, args...)
	p.cmd.Stdin = r
	p.launch()
	return p
}

// startPipe starts name with its stdin a pipe the caller writes and closes.
func startPipe(t *testing.T, limit time.Duration, name string, args ...string) (*proc, io.WriteCloser) {
	t.Helper()
	p := newProc(t, limit, name, args...)
	w, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	p.launch()
	return p, w
}

func newProc(t *testing.T, limit time.Duration, name string, args ...string) *proc {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	p := &proc{t: t, cancel: cancel, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, name, args...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.WaitDelay = 2 * time.Second
	return p
}

func (p *proc) launch() {
	p.t.Helper()
	if err := p.cmd.Start(); err != nil {
		p.cancel()
		p.t.Fatalf("start %v: %v", p.cmd.Args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	p.t.Cleanup(func() {
		p.cancel()
		<-p.done
	})
}

// wait waits for the process to exit (at most limit) and returns its exit code.
// interrupt sends p SIGINT and fails the test unless it exits with
// exitInterrupted within 10 s.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(10 * time.Second); code != exitInterrupted {
		t.Fatalf("exit %d after SIGINT, want %d; stderr:\n%s", code, exitInterrupted, p.stderr.String())
	}
}

func (p *proc) wait(limit time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.cancel()
		<-p.done
		p.t.Fatalf("%v did not exit within %v\nstdout:\n%s\nstderr:\n%s", p.cmd.Args, limit, p.stdout.String(), p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("%v: %v", p.cmd.Args, p.err)
	}
	return 0
}

// exitsOK waits for the process to exit (at most limit) and reports an
// error unless its exit code is 0.
func (p *proc) exitsOK(limit time.Duration) bool {
	p.t.Helper()
	if code := p.wait(limit); code != 0 {
		p.t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", p.cmd.Args, code, p.stdout.String(), p.stderr.String())
		return false
	}
	return true
}

// mustExitOK is exitsOK that stops the test on a non-zero exit code.
func (p *proc) mustExitOK(limit time.Duration) {
	p.t.Helper()
	if !p.exitsOK(limit) {
		p.t.FailNow()
	}
}

// waitStderr waits until stderr matches re.
func (p *proc) waitStderr(re string, limit time.Duration) {
	p.t.Helper()
	p.waitOut(&p.stderr, "stderr", re, limit)
}

// waitStdout waits until stdout matches re.
func (p *proc) waitStdout(re string, limit time.Duration) {
	p.t.Helper()
	p.waitOut(&p.stdout, "stdout", re, limit)
}

func (p *proc) waitOut(b *lockedBuf, name, re string, limit time.Duration) {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		s, ch := b.wait()
		if rx.MatchString(s) {
			return
		}
		select {
		case <-ch:
		case <-p.done:
			if rx.MatchString(b.String()) {
				return
			}
			p.t.Fatalf("%v exited before %s matched %q\n%s:\n%s\nstderr:\n%s", p.cmd.Args, name, re, name, b.String(), p.stderr.String())
		case <-deadline.C:
			p.t.Fatalf("%v: %s did not match %q within %v\n%s:\n%s\nstderr:\n%s", p.cmd.Args, name, re, limit, name, b.String(), p.stderr.String())
		}
	}
}

// freeUDPPort returns a UDP port that was free on 127.0.0.1 and [::] a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// listener starts "sctpcat listen" on a free UDP port and waits until it
// listens; it returns the process and its UDP port.
func listener(t *testing.T, args ...string) (*proc, int) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		port := freeUDPPort(t)
		p := start(t, 30*time.Second, "", append([]string{"listen", "-udp", strconv.Itoa(port)}, args...)...)
		p.waitStderr(`listening on SCTP port|already in use`, 10*time.Second)
		if strings.Contains(p.stderr.String(), "already in use") && attempt < 3 {
			p.wait(5 * time.Second) // lost the race for the free port: retry
			continue
		}
		return p, port
	}
}

// needUsrsctp returns the path of usrsctp's example program prog,
// skipping the test where it is not installed.
func needUsrsctp(t *testing.T, prog string) string {
	t.Helper()
	p := "/usr/lib/usrsctp/" + prog
	if _, err := os.Stat(p); err != nil {
		t.Skipf("usrsctp %s not installed (apt-get install libusrsctp-examples): skipping interop", prog)
	}
	return p
}

func oneErrorLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "sctpcat: ") {
		t.Fatalf("want one error line starting with \"sctpcat: \", got:\n%s", stderr)
	}
	return lines[0]
}

func TestEchoRoundTrip(t *testing.T) {
	srv, port := listener(t, "-mode", "echo", "-count", "1", "5001")
	in := "hello\nworld\n\nlast line without newline"
	// -linger 1s: replies still due are read before the shutdown even on a
	// loaded machine.
	cli := start(t, 20*time.Second, in, "connect", "-linger", "1s", "-remote-udp", strconv.Itoa(port), "-streams", "4", "-stream", "3", "-ppid", "51", "127.0.0.1:5001")
	cli.mustExitOK(20 * time.Second)
	want := "hello\nworld\n\nlast line without newline" // verbatim: no newline added
	if got := cli.stdout.String(); got != want {
		t.Errorf("connect stdout %q, want the echo %q", got, want)
	}
	if s := cli.stderr.String(); s != "" {
		t.Errorf("connect wrote to stderr: %q", s)
	}
	srv.exitsOK(10 * time.Second)
}

func TestCountServerExitsAfterClient(t *testing.T) {
	srv, port := listener(t, "-count", "1", "-v", "5001")
	cli := start(t, 20*time.Second, "one\ntwo\n", "connect", "-v", "-linger", "0", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	cli.mustExitOK(20 * time.Second)
	if !strings.Contains(cli.stderr.String(), "shutdown complete") {
		t.Errorf("connect -v does not report the shutdown:\n%s", cli.stderr.String())
	}
	srv.mustExitOK(10 * time.Second)
	if got := srv.stdout.String(); got != "one\ntwo\n" {
		t.Errorf("listen printed %q, want %q", got, "one\ntwo\n")
	}
	for _, ev := range []string{"accepted from 127.0.0.1", "COMM_UP", "peer shutdown", "SHUTDOWN_COMP", "ended (shutdown complete), 2 messages, 8 bytes"} {
		if !strings.Contains(srv.stderr.String(), ev) {
			t.Errorf("listen -v stderr lacks %q:\n%s", ev, srv.stderr.String())
		}
	}
}

func TestConnectUnreachable(t *testing.T) {
	port := udpSink(t) // swallows the INITs: no answer, no ICMP error
	t0 := time.Now()
	cli := start(t, 20*time.Second, "never sent\n", "connect", "-init-retries", "2", "-rto-max", "300ms",
		"-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	code := cli.wait(20 * time.Second)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	line := oneErrorLine(t, cli.stderr.String())
	want := fmt.Sprintf("peer 127.0.0.1:5001/udp:%d unreachable: no answer to INIT after 2 retransmissions", port)
	if !strings.Contains(line, want) {
		t.Errorf("error %q does not contain %q", line, want)
	}
	// 3 INITs, each waiting at most 300 ms.
	if d := time.Since(t0); d > 8*time.Second {
		t.Errorf("took %v to give up, want about 1 s", d)
	}
	if cli.stdout.String() != "" {
		t.Errorf("stdout %q, want nothing", cli.stdout.String())
	}
}

func TestConnectRefused(t *testing.T) {
	srv, port := listener(t, "5001")
	cli := start(t, 20*time.Second, "x\n", "connect", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5002")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	line := oneErrorLine(t, cli.stderr.String())
	if !strings.Contains(line, "refused the association with ABORT") {
		t.Errorf("error %q does not say the peer refused", line)
	}
	srv.cancel()
}

func TestUDPPortInUse(t *testing.T) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	p := start(t, 10*time.Second, "", "listen", "-udp", port, "5001")
	if code := p.wait(10 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, p.stderr.String())
	}
	line := oneErrorLine(t, p.stderr.String())
	for _, w := range []string{"UDP port " + port + " is already in use", "-udp N"} {
		if !strings.Contains(line, w) {
			t.Errorf("error %q lacks %q", line, w)
		}
	}
}

func TestBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"connect", "-bogus", "127.0.0.1:1"}, "flag provided but not defined: -bogus"},
		{[]string{"connect", "127.0.0.1"}, `address "127.0.0.1": want HOST:PORT`},
		{[]string{"connect", "127.0.0.1:0"}, "SCTP port must be 1..65535"},
		{[]string{"connect", "localhost:abc"}, `address "localhost:abc": SCTP port "abc" is not a number`},
		{[]string{"listen", "abc"}, `address "abc": SCTP port "abc" is not a number`},
		{[]string{"connect", "-linger", "-1s", "127.0.0.1:5000"}, "-linger -1s: want a duration ≥ 0"},
		{[]string{"connect", "-remote-udp", "7", "127.0.0.1:5000/udp:9"}, "the address names UDP port 9 but -remote-udp is 7"},
		{[]string{"listen", "-mode", "shout", "5001"}, `-mode "shout": want print, echo or discard`},
		{[]string{"listen", "host.example:5001"}, "HOST must be an IP address"},
		{[]string{"perf", "-t", "0s"}, "-t 0s: want a positive duration"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		p := start(t, 10*time.Second, "", tc.args...)
		if code := p.wait(10 * time.Second); code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if line := oneErrorLine(t, p.stderr.String()); !strings.Contains(line, tc.want) {
			t.Errorf("%v: error %q lacks %q", tc.args, line, tc.want)
		}
	}
	p := start(t, 10*time.Second, "", "connect", "-h")
	if code := p.wait(10 * time.Second); code != 0 || !strings.Contains(p.stdout.String(), "-remote-udp") {
		t.Errorf("connect -h: exit %d, stdout:\n%s", code, p.stdout.String())
	}
}

// sctpChunks checks the common header of the SCTP packet pkt (RFC 9260
// §3.1: 12 bytes, non-zero ports; §6.8: the CRC32c, stored little-endian)
// and returns its chunks.
func sctpChunks(pkt []byte) ([]byte, error) {
	if len(pkt) < 12 {
		return nil, fmt.Errorf("%d-byte packet, shorter than the common header", len(pkt))
	}
	if enc.BigEndian.Uint16(pkt) == 0 || enc.BigEndian.Uint16(pkt[2:]) == 0 {
		return nil, errors.New("SCTP port 0")
	}
	c := bytes.Clone(pkt)
	clear(c[8:12])
	if got, want := enc.LittleEndian.Uint32(pkt[8:]), crc32.Checksum(c, crc32.MakeTable(crc32.Castagnoli)); got != want {
		return nil, fmt.Errorf("CRC32c %#08x, want %#08x", got, want)
	}
	return pkt[12:], nil
}

func TestPcap(t *testing.T) {
	srv, port := listener(t, "-mode", "echo", "-count", "1", "5001")
	file := filepath.Join(t.TempDir(), "c.pcap")
	cli := start(t, 20*time.Second, "ping\n", "connect", "-pcap", file, "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	cli.mustExitOK(20 * time.Second)
	srv.wait(10 * time.Second)

	// Our own reader: every record a UDP datagram to/from the server's
	// port carrying an SCTP packet with a valid CRC32c.
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := pcap.ReadDatagrams(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var types, sent, rcvd []byte // all, client → server, server → client
	for i, d := range ds {
		if d.Src.Port() != uint16(port) && d.Dst.Port() != uint16(port) {
			t.Errorf("record %d: %v -> %v, not to or from UDP port %d", i+1, d.Src, d.Dst, port)
		}
		if chunks, err := sctpChunks(d.Payload); err != nil {
			t.Errorf("record %d: %v", i+1, err)
		} else if len(chunks) > 0 {
			types = append(types, chunks[0])
			if d.Dst.Port() == uint16(port) {
				sent = append(sent, chunks[0])
			} else {
				rcvd = append(rcvd, chunks[0])
			}
		}
	}
	// INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SHUTDOWN COMPLETE
	// (SACK, SHUTDOWN and SHUTDOWN ACK may be bundled behind others).
	for _, ty := range []byte{1, 2, 10, 11, 0, 14} {
		if bytes.IndexByte(types, ty) < 0 {
			t.Errorf("no packet starting with chunk type %d in %v", ty, types)
		}
	}
	// Each direction is recorded in order; across directions a reply the
	// reader records may come before the request the loop records (their
	// timestamps are in order: runtime_capture.go).
	if len(ds) < 8 || len(sent) < 2 || len(rcvd) < 2 || sent[0] != 1 || sent[1] != 10 || rcvd[0] != 2 || rcvd[1] != 11 {
		t.Fatalf("capture of %d packets: sent %v, received %v; want INIT, COOKIE ECHO sent and INIT ACK, COOKIE ACK received first", len(ds), sent, rcvd)
	}

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): skipping the independent pcap decode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tshark, "-n", "-r", file, "-o", "sctp.checksum:crc-32c",
		"-d", "udp.port=="+strconv.Itoa(port)+",sctp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "frame.number", "-e", "sctp.checksum.status", "-e", "sctp.chunk_type", "-e", "_ws.malformed").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(ds) {
		t.Fatalf("tshark decoded %d frames, the file has %d", len(lines), len(ds))
	}
	var all []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 3 || f[1] != "1" || (len(f) > 3 && f[3] != "") {
			t.Errorf("tshark frame %q: want SCTP with a good checksum (status 1), not malformed", l)
			continue
		}
		all = append(all, f[2])
	}
	got := strings.Join(all, " ")
	for _, w := range []string{"1", "2", "10", "11", "0", "14"} {
		if !regexp.MustCompile(`(^|[ ,])` + w + `($|[ ,])`).MatchString(got) {
			t.Errorf("tshark saw chunk types %q, no %s", got, w)
		}
	}
}

var perfSummary = regexp.MustCompile(`(?s)summary:.*messages sent\s+(\d+) × 1200 bytes.*messages received\s+(\d+) .*throughput\s+[\d.]+ MB/s`)

func TestPerfLocal(t *testing.T) {
	p := start(t, 40*time.Second, "", "perf", "-t", "1500ms")
	p.mustExitOK(40 * time.Second)
	out := p.stdout.String()
	m := perfSummary.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in perf output:\n%s", out)
	}
	if m[1] != m[2] || m[1] == "0" {
		t.Errorf("sent %s messages, received %s:\n%s", m[1], m[2], out)
	}
	if !regexp.MustCompile(`(?m)^\s+\d+\.\ds\s+[\d.]+\s+\d+\s+\d+\s+\S+\s+\d+$`).MatchString(out) {
		t.Errorf("no progress line:\n%s", out)
	}
}

func TestPerfPingPong(t *testing.T) {
	p := start(t, 40*time.Second, "", "perf", "-t", "500ms", "-pingpong")
	p.mustExitOK(40 * time.Second)
	m := regexp.MustCompile(`round trips\s+(\d+) `).FindStringSubmatch(p.stdout.String())
	if m == nil || m[1] == "0" {
		t.Fatalf("no round trips in the summary:\n%s", p.stdout.String())
	}
}

func TestConnectCountMode(t *testing.T) {
	srv, port := listener(t, "-mode", "discard", "-count", "1", "5001")
	cli := start(t, 20*time.Second, "", "connect", "-n", "500", "-l", "1000", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	cli.mustExitOK(20 * time.Second)
	if !regexp.MustCompile(`^sent 500 messages of 1000 bytes \(0\.50 MB\) in [\d.]+ s: [\d.]+ MB/s`).MatchString(cli.stdout.String()) {
		t.Errorf("connect -n output %q", cli.stdout.String())
	}
	// The last progress line on stderr, also for a transfer shorter than
	// the one-second tick: the totals at the end (a real cwnd, not the
	// zeros of an association that has ended).
	if !regexp.MustCompile(`(?m)^sctpcat: +[\d.]+s +[\d.]+ MB/s  rtx \d+ \(fast \d+, T3 \d+\)  cwnd [1-9]\d*  srtt `).MatchString(cli.stderr.String()) {
		t.Errorf("connect -n: no progress line at the end; stderr %q", cli.stderr.String())
	}
	srv.exitsOK(10 * time.Second)
}

func TestInterruptGraceful(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to another process on Windows")
	}
	srv, _ := listener(t, "5001")
	srv.interrupt(t)
	if !strings.Contains(srv.stderr.String(), "sctpcat: interrupted") {
		t.Errorf("stderr lacks the interrupted line:\n%s", srv.stderr.String())
	}
}

// TestInteropUsrsctpEcho connects to usrsctp's echo_server (SCTP port 7).
func TestInteropUsrsctpEcho(t *testing.T) {
	echo := needUsrsctp(t, "echo_server")
	port := freeUDPPort(t)
	startCmd(t, 30*time.Second, "", echo, strconv.Itoa(port))
	// The first INIT may precede the server's bind; T1-init retransmits it.
	// usrsctp binds its UDP port before its SCTP socket listens and ABORTs
	// an INIT that arrives in between, and an INIT that arrives before the
	// bind gets ICMP port unreachable (which ends connect at once, RFC
	// 6951 §5.6), so a refusal or an ICMP error is retried (bounded).
	var cli *proc
	for attempt := 1; ; attempt++ {
		cli = start(t, 25*time.Second, "hello usrsctp\nsecond\n", "connect", "-v", "-linger", "1s", "-rto-max", "500ms",
			"-remote-udp", strconv.Itoa(port), "127.0.0.1:7")
		code := cli.wait(25 * time.Second)
		if code == 0 {
			break
		}
		if e := cli.stderr.String(); attempt < 20 && (strings.Contains(e, "refused the association") || strings.Contains(e, "ICMP port unreachable")) {
			time.Sleep(100 * time.Millisecond) // echo_server start-up; not a result wait
			continue
		}
		t.Fatalf("connect to usrsctp echo_server: exit %d, stderr:\n%s", code, cli.stderr.String())
	}
	if got, want := cli.stdout.String(), "hello usrsctp\nsecond\n"; got != want {
		t.Errorf("echo from usrsctp %q, want %q", got, want)
	}
	if !strings.Contains(cli.stderr.String(), "shutdown complete") {
		t.Errorf("no graceful shutdown reported:\n%s", cli.stderr.String())
	}
}

func TestPerfToDiscardServer(t *testing.T) {
	srv, port := listener(t, "-mode", "discard", "-count", "1", "5001")
	p := start(t, 30*time.Second, "", "perf", "-t", "500ms", "-l", "1000", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	p.mustExitOK(30 * time.Second)
	if !regexp.MustCompile(`(?s)summary:.*until SHUTDOWN COMPLETE.*messages sent\s+[1-9]\d* × 1000 bytes`).MatchString(p.stdout.String()) {
		t.Errorf("no summary:\n%s", p.stdout.String())
	}
	srv.exitsOK(10 * time.Second)
}

func TestConnectInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to another process on Windows")
	}
	srv, port := listener(t, "-count", "1", "-v", "5001")
	cli, pw := startPipe(t, 20*time.Second, binary(t), "connect", "-v", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	if _, err := pw.Write([]byte("before the signal\n")); err != nil {
		t.Fatal(err)
	}
	srv.waitStdout("before the signal", 10*time.Second)
	cli.interrupt(t)
	if !strings.Contains(cli.stderr.String(), "shutdown complete") || !strings.Contains(cli.stderr.String(), "interrupted: association shut down gracefully") {
		t.Errorf("connect stderr:\n%s", cli.stderr.String())
	}
	srv.exitsOK(10 * time.Second)
	if !strings.Contains(srv.stderr.String(), "ended (shutdown complete)") {
		t.Errorf("server did not see a graceful shutdown:\n%s", srv.stderr.String())
	}
}

// TestConnectBulkInterrupt: SIGINT during connect -n, whose Write waits
// for buffer space (reading its own SACKs), ends the Write through a past
// write deadline and shuts the association down gracefully.
func TestConnectBulkInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to another process on Windows")
	}
	srv, port := listener(t, "-mode", "discard", "-count", "1", "5001")
	cli := start(t, 30*time.Second, "", "connect", "-n", "100000000", "-l", "1200", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	cli.waitStderr(`MB/s`, 10*time.Second) // the first progress line: the transfer runs
	cli.interrupt(t)
	if !strings.Contains(cli.stderr.String(), "interrupted: association shut down gracefully") {
		t.Errorf("connect stderr:\n%s", cli.stderr.String())
	}
	srv.exitsOK(10 * time.Second)
}

// TestInteropUsrsctpClient has usrsctp's client talk to sctpcat listen -mode echo.
func TestInteropUsrsctpClient(t *testing.T) {
	client := needUsrsctp(t, "client")
	srv, port := listener(t, "-mode", "echo", "-count", "1", "-v", "5001")
	cport := freeUDPPort(t)
	// client remote_addr remote_port local_port local_encaps remote_encaps.
	// It shuts down at end of input, after which the server may not
	// answer (RFC 9260 §9.2): keep stdin open until the echo is back.
	cli, pw := startPipe(t, 20*time.Second, client, "127.0.0.1", "5001", "0", strconv.Itoa(cport), strconv.Itoa(port))
	if _, err := pw.Write([]byte("from usrsctp\nline two\n")); err != nil {
		t.Fatal(err)
	}
	cli.waitStdout("line two\n", 10*time.Second)
	pw.Close()
	cli.mustExitOK(20 * time.Second)
	out := cli.stdout.String()
	if !strings.Contains(out, "from usrsctp\nline two\n") || !strings.Contains(out, "SCTP_SHUTDOWN_COMP") {
		t.Errorf("usrsctp client output lacks the echo or the shutdown:\n%s", out)
	}
	srv.exitsOK(10 * time.Second)
	if !strings.Contains(srv.stderr.String(), "ended (shutdown complete), 2 messages, 22 bytes") {
		t.Errorf("listen -v:\n%s", srv.stderr.String())
	}
}
