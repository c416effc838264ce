package sctp

// Interoperability tests against usrsctp's example programs (Debian
// libusrsctp-examples, /usr/lib/usrsctp) over real UDP encapsulation (RFC
// 6951) on loopback. They are skipped, with a message saying why, only when
// the binaries are absent. Ports are chosen at run time; every external
// process runs under a deadline and is killed on cleanup; usrsctp's stack
// debug lines ("[S]...") are filtered from its stdout.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

const usrsctpDir = "/usr/lib/usrsctp"

func needUsrsctp(t *testing.T, prog string) string {
	t.Helper()
	p := filepath.Join(usrsctpDir, prog)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("usrsctp example %s not installed (%v); install Debian libusrsctp-examples to run this interop test", p, err)
	}
	return p
}

// usrsctpFreePort returns a UDP port that was free on the IPv4 and IPv6
// wildcard addresses a moment ago.
func usrsctpFreePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{})
		if err != nil {
			t.Fatalf("probe socket: %v", err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		// usrsctp binds 0.0.0.0:port and [::]:port separately.
		c4, err4 := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
		if err4 == nil {
			c4.Close()
			return port
		}
	}
	t.Fatal("no free UDP port found")
	return 0
}

// extProc is an external program with its filtered stdout.
type extProc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	lines  []string
	notify chan struct{}
	exited chan struct{}
	err    error // Wait result, valid after exited
	stderr bytes.Buffer
}

// startProc runs prog args... (line-buffered through stdbuf when present)
// for at most limit. withStdin gives the test a pipe to the program's stdin.
// lineWaiter returns a function that waits (together at most d from now)
// for the first line of p's output starting with a prefix and returns it;
// it fails the test, naming who, when none comes.
func (p *extProc) lineWaiter(t *testing.T, who string, d time.Duration) func(prefix string) string {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return func(prefix string) string {
		t.Helper()
		line, ok := p.waitLine(ctx, func(l string) bool { return strings.HasPrefix(l, prefix) })
		if !ok {
			t.Fatalf("%s never printed %q; output %q, stderr %q", who, prefix, p.output(), p.stderrText())
		}
		return line
	}
}

func startProc(t *testing.T, limit time.Duration, withStdin bool, prog string, args ...string) *extProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	argv := append([]string{prog}, args...)
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		argv = append([]string{sb, "-oL"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 2 * time.Second
	p := &extProc{t: t, name: filepath.Base(prog), cmd: cmd, notify: make(chan struct{}, 1), exited: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if withStdin {
		if p.stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", prog, err)
	}
	scanDone := make(chan struct{})
	go func() {
		defer close(scanDone)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "[S]") {
				continue // usrsctp stack debug output
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() {
		<-scanDone
		p.err = cmd.Wait()
		cancel()
		close(p.exited)
		select {
		case p.notify <- struct{}{}:
		default:
		}
	}()
	t.Cleanup(func() {
		if p.stdin != nil {
			p.stdin.Close()
		}
		cancel()
		<-p.exited
		if t.Failed() {
			t.Logf("%s output (filtered):\n%s\nstderr:\n%s", p.name, strings.Join(p.output(), "\n"), p.stderrText())
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(b), nil
	}
	return l.w.Write(b)
}

func (p *extProc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func (p *extProc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitLine waits until a line satisfying match has been printed, the
// program exited, or ctx ends.
func (p *extProc) waitLine(ctx context.Context, match func(string) bool) (string, bool) {
	seen := 0
	for {
		lines := p.output()
		for ; seen < len(lines); seen++ {
			if match(lines[seen]) {
				return lines[seen], true
			}
		}
		select {
		case <-p.notify:
		case <-p.exited:
			lines := p.output()
			for ; seen < len(lines); seen++ {
				if match(lines[seen]) {
					return lines[seen], true
				}
			}
			return "", false
		case <-ctx.Done():
			return "", false
		}
	}
}

// waitExit waits for the program to exit and returns its exit error.
func (p *extProc) waitExit(ctx context.Context) (error, bool) {
	select {
	case <-p.exited:
		return p.err, true
	case <-ctx.Done():
		return nil, false
	}
}

// waitBound waits until the program has bound UDP port (IPv4 wildcard),
// polling because there is no other readiness signal from it.
func waitBound(t *testing.T, p *extProc, port int) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
		if err != nil {
			return // taken: the program holds it
		}
		c.Close()
		select {
		case <-tick.C:
		case <-p.exited:
			t.Fatalf("%s exited before binding UDP port %d: %v", p.name, port, p.err)
		case <-deadline:
			t.Fatalf("%s did not bind UDP port %d within 10s", p.name, port)
		}
	}
}

// connectUsrsctp connects to a usrsctp server that may still be starting:
// its UDP socket is bound (waitBound) before the SCTP socket listens, and
// in that window it answers INIT with ABORT. Retry those, bounded.
func connectUsrsctp(t *testing.T, ctx context.Context, ep *runner, to netip.AddrPort, sctpPort uint16) *assocHandle {
	t.Helper()
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for attempt := 1; ; attempt++ {
		h, err := ep.connectWait(ctx, to, sctpPort)
		if err == nil {
			return h
		}
		if !errors.Is(err, ErrAborted) || attempt == 40 {
			t.Fatalf("Connect to %v SCTP port %d (attempt %d): %v", to, sctpPort, attempt, err)
		}
		select {
		case <-retry.C:
		case <-ctx.Done():
			t.Fatalf("Connect: %v", ctx.Err())
		}
	}
}

func loopback4(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}

// interopMsgSize gives message i a size in 1 B – 8 KiB.
func interopMsgSize(i int) int {
	switch i % 10 {
	case 0:
		return 1
	case 1:
		return 8192
	}
	return 1 + (i*2654435761)%8192
}

// runEchoClient sends n messages over streams to h and checks that each
// comes back intact and in order per stream; then shuts down gracefully
// and checks the ShutdownComp event.
// PPIDs are the message index unless zeroPPID (tshark dissects DATA
// payloads by PPID, so captures use 0).
func runEchoClient(t testing.TB, ctx context.Context, h *assocHandle, n, streams int, zeroPPID ...bool) {
	t.Helper()
	ppid := func(i int) uint32 {
		if len(zeroPPID) > 0 && zeroPPID[0] {
			return 0
		}
		return uint32(i)
	}
	sendErr := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := h.send(ctx, outMessage{data: epPayload(i, interopMsgSize(i)), stream: uint16(i % streams), ppid: ppid(i)}); err != nil {
				sendErr <- fmt.Errorf("Send %d: %w", i, err)
				return
			}
		}
		sendErr <- nil
	}()
	next := make([]int, streams) // next expected message index per stream
	for s := range next {
		next[s] = s
	}
	for got := 0; got < n; {
		d, err := nextMessage(ctx, h)
		if err != nil {
			t.Fatalf("after %d echoes: %v", got, err)
		}
		s := int(d.info.Stream)
		if s >= streams {
			t.Fatalf("echo on stream %d", s)
		}
		i := next[s]
		if d.info.PPID != ppid(i) || !bytes.Equal(d.msg, epPayload(i, interopMsgSize(i))) {
			t.Fatalf("stream %d: got ppid %d with %d bytes, want message %d (%d bytes)", s, d.info.PPID, len(d.msg), i, interopMsgSize(i))
		}
		h.recycle(d.msg)
		next[s] += streams
		got++
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	if err := h.shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	waitShutdownComp(t, ctx, h)
}

// runEchoClients connects k associations with connect and runs
// runEchoClient (n messages over streams) on each at once, from the moment
// it is connected; it returns when all are done.
func runEchoClients(t *testing.T, ctx context.Context, k, n, streams int, connect func(i int) (*assocHandle, error)) {
	t.Helper()
	var wg sync.WaitGroup
	defer wg.Wait() // also when a Connect fails: no goroutine outlives the test
	for i := 0; i < k; i++ {
		h, err := connect(i)
		if err != nil {
			t.Fatalf("Connect %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			runEchoClient(goroutineTB{t}, ctx, h, n, streams)
		}()
	}
}

// goroutineTB is t for a goroutine the test started: Fatal and Fatalf
// report the failure and end that goroutine (runtime.Goexit), since
// FailNow must only be called from the test's own goroutine.
type goroutineTB struct{ testing.TB }

func (g goroutineTB) Fatal(args ...any) {
	g.Helper()
	g.Error(args...)
	runtime.Goexit()
}

func (g goroutineTB) Fatalf(format string, args ...any) {
	g.Helper()
	g.Errorf(format, args...)
	runtime.Goexit()
}

func waitShutdownComp(t testing.TB, ctx context.Context, h *assocHandle) {
	t.Helper()
	comp := false
	err := eachDelivery(ctx, h, func(d delivery) {
		if ac, ok := d.ev.(AssocChange); ok {
			if ac.State == ShutdownComp {
				comp = true
			} else if ac.State == CommLost {
				t.Fatalf("association lost instead of a graceful shutdown: %v", ac)
			}
		}
	})
	if !errors.Is(err, io.EOF) {
		t.Fatalf("waiting for the end of the association: %v", err)
	}
	if !comp || !errors.Is(h.endErr(), ErrClosed) || errors.Is(h.endErr(), ErrAborted) {
		t.Fatalf("association ended with %v (ShutdownComp seen: %v), want graceful shutdown", h.endErr(), comp)
	}
}

// usctp client → usrsctp echo_server: 1,000 messages of 1 B – 8 KiB over 4
// streams echoed intact, then a graceful shutdown seen on both sides.
func TestInteropClientToUsrsctpEchoServer(t *testing.T) {
	bin := needUsrsctp(t, "echo_server")
	onLoopbacks(t, func(t *testing.T, ip string) {
		srv, port := startOnFreePort(t, 60*time.Second, false, bin, func(port int) []string { return []string{strconv.Itoa(port)} })
		ctx := testCtx(t, 45*time.Second)
		ep := newUDPEndpoint(t, "udp", "")
		h := connectUsrsctp(t, ctx, ep, netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(port)), 7)
		start := time.Now()
		runEchoClient(t, ctx, h, 1000, 4)
		t.Logf("1000 messages (1 B - 8 KiB, 4 streams) echoed by usrsctp echo_server over %s in %v", ip, time.Since(start))
		msgs := 0
		for _, l := range srv.output() {
			if strings.HasPrefix(l, "Msg of length") {
				msgs++
			}
		}
		if msgs != 1000 {
			t.Fatalf("echo_server printed %d messages, want 1000", msgs)
		}
		// usrsctp reports the end as SCTP_SHUTDOWN_EVENT (12 bytes) and
		// SCTP_ASSOC_CHANGE/SHUTDOWN_COMP (20 bytes) notifications.
		if _, ok := srv.waitLine(ctx, func(l string) bool { return l == "Notification of length 20 received." }); !ok {
			t.Fatal("echo_server did not report the association's end")
		}
	})
}

// usrsctp client → usctp echo server: each stdin line comes back; on EOF
// the client shuts down and exits 0.
func TestInteropUsrsctpClientToEchoServer(t *testing.T) {
	bin := needUsrsctp(t, "client")
	ctx := testCtx(t, 45*time.Second)
	ep := newUDPEndpoint(t, "udp", "")
	var wg sync.WaitGroup
	ends := echoServer(t, ctx, ep, 7, &wg)
	cli, _ := startOnFreePort(t, 40*time.Second, true, bin, func(cport int) []string {
		return []string{"127.0.0.1", "7", "0", strconv.Itoa(cport), strconv.Itoa(int(ep.localAddr().Port()))}
	})
	lines := []string{"hello", "usctp speaks SCTP over UDP", strings.Repeat("x", 70), "last line"}
	for _, l := range lines {
		if _, err := io.WriteString(cli.stdin, l+"\n"); err != nil {
			t.Fatalf("writing to client: %v", err)
		}
		if _, ok := cli.waitLine(ctx, func(s string) bool { return strings.HasSuffix(s, l) }); !ok {
			t.Fatalf("line %q not echoed", l)
		}
	}
	cli.stdin.Close()
	err, ok := cli.waitExit(ctx)
	if !ok {
		t.Fatal("client did not exit after stdin EOF")
	}
	if err != nil {
		t.Fatalf("client exit: %v", err)
	}
	if err := nextEnd(t, ctx, ends); !errors.Is(err, io.EOF) || errors.Is(err, ErrAborted) || !errors.Is(err, ErrClosed) {
		t.Fatalf("server association ended with %v, want graceful shutdown", err)
	}
}

// discardServer accepts on port and reads everything; it reports per
// association the message count, bytes, time from first to last message
// and the end error.
type discardResult struct {
	msgs, bytes int
	first, last time.Time
	err         error
}

func discardServer(t *testing.T, ctx context.Context, ep *runner, port uint16) <-chan discardResult {
	if err := ep.listenDefaults(port, 8); err != nil {
		t.Fatal(err)
	}
	res := make(chan discardResult, 1)
	go func() {
		h, err := ep.accept(ctx, port)
		if err != nil {
			res <- discardResult{err: err}
			return
		}
		var r discardResult
		for {
			d, err := nextMessage(ctx, h)
			if err != nil {
				r.err = err
				res <- r
				return
			}
			if r.msgs == 0 {
				r.first = time.Now()
			}
			r.last = time.Now()
			r.msgs++
			r.bytes += len(d.msg)
			if len(d.msg) != 1200 || d.msg[0] != 'b' || d.msg[1199] != 'b' {
				r.err = fmt.Errorf("message %d: %d bytes, first %q", r.msgs, len(d.msg), d.msg[:min(4, len(d.msg))])
				res <- r
				h.abort("bad data")
				return
			}
			h.recycle(d.msg)
		}
	}()
	return res
}

// usrsctp tsctp client → usctp discard server: 10,000 × 1,200 B.
func TestInteropTsctpClientToDiscardServer(t *testing.T) {
	bin := needUsrsctp(t, "tsctp")
	ctx := testCtx(t, 90*time.Second)
	ep := newUDPEndpoint(t, "udp", "")
	res := discardServer(t, ctx, ep, 5001)
	cli, _ := startOnFreePort(t, 80*time.Second, false, bin, func(cport int) []string {
		return []string{"-E", strconv.Itoa(cport), "-U", strconv.Itoa(int(ep.localAddr().Port())),
			"-p", "5001", "-n", "10000", "-l", "1200", "127.0.0.1"}
	})
	var r discardResult
	select {
	case r = <-res:
	case <-ctx.Done():
		t.Fatal("discard server did not finish")
	}
	if r.msgs != 10000 || r.bytes != 12000000 {
		t.Fatalf("received %d messages / %d bytes, want 10000 / 12000000 (end: %v)", r.msgs, r.bytes, r.err)
	}
	if !errors.Is(r.err, io.EOF) || errors.Is(r.err, ErrAborted) {
		t.Fatalf("association ended with %v, want graceful shutdown", r.err)
	}
	if err, ok := cli.waitExit(ctx); !ok || err != nil {
		t.Fatalf("tsctp client: exited %v, err %v", ok, err)
	}
	d := r.last.Sub(r.first)
	t.Logf("tsctp → usctp: 10000 × 1200 B in %v = %.1f MB/s (receiver side)", d, float64(r.bytes)/d.Seconds()/1e6)
	for _, l := range cli.output() {
		if strings.Contains(l, "Throughput") || strings.Contains(l, "took") {
			t.Logf("tsctp client: %s", l)
		}
	}
}

// usctp sender → usrsctp tsctp server: 10,000 × 1,200 B.
func TestInteropSenderToTsctpServer(t *testing.T) {
	bin := needUsrsctp(t, "tsctp")
	srv, port := startOnFreePort(t, 80*time.Second, false, bin, func(port int) []string { return []string{"-E", strconv.Itoa(port)} })
	ctx := testCtx(t, 70*time.Second)
	ep := newUDPEndpoint(t, "udp", "")
	h := connectUsrsctp(t, ctx, ep, loopback4(port), 5001)
	msg := bytes.Repeat([]byte{'b'}, 1200)
	start := time.Now()
	for i := 0; i < 10000; i++ {
		if err := h.send(ctx, outMessage{data: msg}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := h.shutdown(); err != nil {
		t.Fatal(err)
	}
	waitShutdownComp(t, ctx, h)
	d := time.Since(start)
	t.Logf("usctp → tsctp: 10000 × 1200 B sent and acknowledged in %v = %.1f MB/s", d, 12e6/d.Seconds()/1e6)
	// Server line: first_len, messages, recv_calls, bytes, seconds, B/s, notifications
	line, ok := srv.waitLine(ctx, func(l string) bool { return strings.HasPrefix(l, "1200, ") })
	if !ok {
		t.Fatal("tsctp server printed no result line")
	}
	f := strings.Split(line, ", ")
	if len(f) < 6 || f[1] != "10000" || f[3] != "12000000" {
		t.Fatalf("tsctp server result %q, want 10000 messages / 12000000 bytes", line)
	}
	t.Logf("tsctp server: %s (%s s, %s B/s)", line, f[4], f[5])
}

// usctp ↔ usctp over real UDP on 127.0.0.1 and ::1, one-to-many: several
// associations from two client endpoints share one server socket.
func TestInteropUsctpToUsctp(t *testing.T) {
	onLoopbacks(t, func(t *testing.T, ip string) {
		ctx := testCtx(t, 45*time.Second)
		srv := newUDPEndpoint(t, "udp", "")
		var wg sync.WaitGroup
		ends := echoServer(t, ctx, srv, 7, &wg)
		to := netip.AddrPortFrom(netip.MustParseAddr(ip), srv.localAddr().Port())
		const clients = 4
		runEchoClients(t, ctx, clients, 100, 4, func(c int) (*assocHandle, error) {
			ep := srv
			if c%2 == 1 {
				ep = newUDPEndpoint(t, "udp", "") // another socket
			}
			// A distinct SCTP port per client: two endpoints picking
			// the same ephemeral port would be one SCTP transport
			// address from the server's view (the UDP port is not part
			// of it), and the second INIT, an INIT for an existing
			// association from a new UDP port, gets an ABORT (RFC 6951
			// §5.4): the 1-in-several-thousand "Connect 3: association
			// aborted" of an earlier CI run.
			h, err := ep.connect(uint16(40000+c), to, 7, assocConfig{})
			if err == nil {
				if err = h.waitEstablished(ctx); err != nil {
					h.abort("connect failed")
				}
			}
			return h, err
		})
		for c := 0; c < clients; c++ {
			if err := nextEnd(t, ctx, ends); errors.Is(err, ErrAborted) || !errors.Is(err, ErrClosed) {
				t.Fatalf("server association ended with %v", err)
			}
		}
	})
}

// A tshark capture of an interop run with usrsctp: every packet decodes as
// SCTP with a good CRC32c, none is malformed.
func TestInteropTsharkCapture(t *testing.T) {
	bin := needUsrsctp(t, "echo_server")
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	port := usrsctpFreePort(t)
	// Without GSO: on lo a capture sees a GSO send as one super-datagram
	// (several SCTP packets back to back) because segmentation happens
	// only at delivery; on a real NIC it is segmented before the wire.
	ep, err := newRunner("udp", netip.AddrPort{}, runnerConfig{UDPOptions: []udpencap.Option{udpencap.WithoutGSO()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.close() })
	lport := int(ep.localAddr().Port())
	pcap := filepath.Join(t.TempDir(), "interop.pcap")
	filter := fmt.Sprintf("udp port %d or udp port %d", port, lport)
	capCtx, stopCap := context.WithTimeout(context.Background(), 60*time.Second)
	defer stopCap()
	dumpcap, err := exec.LookPath("dumpcap")
	if err != nil {
		t.Skip("dumpcap (wireshark capture tool) not installed")
	}
	// dumpcap directly: it finalizes the file on SIGINT (tshark's child
	// dumpcap sometimes dies with the signal instead).
	capCmd := exec.CommandContext(capCtx, dumpcap, "-P", "-i", "lo", "-f", filter, "-w", pcap)
	capCmd.Cancel = func() error { return capCmd.Process.Signal(os.Interrupt) }
	capCmd.WaitDelay = 5 * time.Second
	capErr := &bytes.Buffer{}
	capMu := &sync.Mutex{}
	capCmd.Stderr = &lockedWriter{mu: capMu, w: capErr}
	capText := func() string {
		capMu.Lock()
		defer capMu.Unlock()
		return capErr.String()
	}
	if err := capCmd.Start(); err != nil {
		t.Skipf("cannot start tshark capture: %v", err)
	}
	capDone := make(chan error, 1)
	go func() { capDone <- capCmd.Wait() }()
	t.Cleanup(func() { stopCap(); <-capDone })
	// Wait until dumpcap reports that it captures.
	ready := time.NewTicker(20 * time.Millisecond)
	defer ready.Stop()
	for deadline := time.Now().Add(15 * time.Second); ; {
		if strings.Contains(capText(), "File:") {
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("dumpcap did not start capturing: %s", capText())
		}
		select {
		case err := <-capDone:
			t.Skipf("dumpcap exited: %v %s", err, capText())
		case <-ready.C:
		}
	}

	srv := startProc(t, 60*time.Second, false, bin, strconv.Itoa(port))
	waitBound(t, srv, port)
	ctx := testCtx(t, 45*time.Second)
	h := connectUsrsctp(t, ctx, ep, loopback4(port), 7)
	start := time.Now()
	runEchoClient(t, ctx, h, 100, 4, true)
	t.Logf("echo run took %v", time.Since(start))
	decode := []string{"-d", fmt.Sprintf("udp.port==%d,sctp", port), "-d", fmt.Sprintf("udp.port==%d,sctp", lport)}
	// dumpcap writes packets as it captures them: wait (bounded) until the
	// SHUTDOWN COMPLETE is in the file, then stop it. (Reading the pcap
	// here: starting tshark takes seconds.)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for deadline := time.Now().Add(10 * time.Second); !pcapHasChunk(pcap, 14); {
		if time.Now().After(deadline) {
			t.Fatal("SHUTDOWN COMPLETE not captured within 10s")
		}
		<-poll.C
	}
	stopCap() // SIGINT: dumpcap finishes the file and exits
	select {
	case <-capDone:
		capDone <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("dumpcap did not stop")
	}

	tsharkLines := func(extra ...string) []string {
		t.Helper()
		args := append(append([]string{"-r", pcap, "-o", "sctp.checksum:crc-32c"}, decode...), extra...)
		cmd := exec.Command(tshark, args...)
		errb := &bytes.Buffer{}
		cmd.Stderr = errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %v: %v: %s (capture: %s)", extra, err, errb, capText())
		}
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		return lines
	}
	// One pass: frame, checksum status, malformed marker, expert severities,
	// chunk types.
	frames, good := 0, 0
	types := map[string]int{}
	for _, l := range tsharkLines("-T", "fields", "-E", "separator=|", "-E", "aggregator=;", "-e", "frame.number",
		"-e", "sctp.checksum.status", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "sctp.chunk_type") {
		f := strings.Split(l, "|")
		if len(f) != 5 {
			t.Fatalf("unexpected tshark line %q", l)
		}
		frames++
		switch {
		case f[1] != "1":
			t.Errorf("frame %s: not SCTP with a good CRC32c (status %q)", f[0], f[1])
		case f[2] != "":
			t.Errorf("frame %s: malformed", f[0])
		case strings.Contains(f[3], "8388608"): // PI_ERROR
			t.Errorf("frame %s: expert error", f[0])
		default:
			good++
		}
		for _, ct := range strings.Split(f[4], ";") {
			types[ct]++
		}
	}
	if frames < 100 || good != frames {
		t.Fatalf("%d frames captured, %d good SCTP packets", frames, good)
	}
	// INIT(1) INIT ACK(2) COOKIE ECHO(10) COOKIE ACK(11) DATA(0) SACK(3)
	// SHUTDOWN(7) SHUTDOWN ACK(8) SHUTDOWN COMPLETE(14) must all appear.
	for _, ct := range []string{"1", "2", "10", "11", "0", "3", "7", "8", "14"} {
		if types[ct] == 0 {
			t.Errorf("no chunk of type %s in the capture (types seen: %v)", ct, types)
		}
	}
	t.Logf("tshark: %d frames, all SCTP with good CRC32c, 0 malformed; chunk types %v", frames, types)
}

// pcapHasChunk reports whether the classic pcap file (Ethernet or Linux
// loopback framing, as dumpcap -P writes for lo) holds a UDP datagram whose
// payload is an SCTP packet with a first chunk of type ct.
func pcapHasChunk(path string, ct byte) bool {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		return false
	}
	le := b[0] == 0xd4 || b[0] == 0x4d
	u32 := func(x []byte) uint32 {
		if le {
			return uint32(x[0]) | uint32(x[1])<<8 | uint32(x[2])<<16 | uint32(x[3])<<24
		}
		return uint32(x[3]) | uint32(x[2])<<8 | uint32(x[1])<<16 | uint32(x[0])<<24
	}
	if u32(b[20:24]) != 1 { // LINKTYPE_ETHERNET (lo has a dummy header)
		return false
	}
	for off := 24; off+16 <= len(b); {
		incl := int(u32(b[off+8 : off+12]))
		pkt := b[off+16 : min(len(b), off+16+incl)]
		off += 16 + incl
		if len(pkt) < 14 {
			continue
		}
		ip := pkt[14:]
		var udp []byte
		switch {
		case len(ip) >= 20 && ip[0]>>4 == 4 && ip[9] == 17:
			udp = ip[int(ip[0]&15)*4:]
		case len(ip) >= 40 && ip[0]>>4 == 6 && ip[6] == 17:
			udp = ip[40:]
		default:
			continue
		}
		if len(udp) >= 8+12+1 && udp[8+12] == ct {
			return true
		}
	}
	return false
}

// startOnFreePort starts prog with args(port) for a UDP port that was free
// a moment ago, and makes sure the program holds it: another process may
// take a probed port before the program binds it (a bind race). Then the
// program is stopped and started again on another port, up to 5 times.
func startOnFreePort(t *testing.T, limit time.Duration, withStdin bool, prog string, args func(port int) []string) (*extProc, int) {
	t.Helper()
	for attempt := 1; attempt <= 5; attempt++ {
		port := usrsctpFreePort(t)
		p := startProc(t, limit, withStdin, prog, args(port)...)
		if held, why := holdsUDPPort(p, port); held {
			return p, port
		} else {
			t.Logf("attempt %d: %s did not get UDP port %d (%s); retrying on another port", attempt, p.name, port, why)
		}
		p.cmd.Process.Kill()
		<-p.exited
	}
	t.Fatalf("%s: no free UDP port it could bind after 5 attempts", prog)
	return nil, 0
}

// holdsUDPPort waits (up to 10 s) until p has bound UDP port on the IPv4
// wildcard. On Linux the owner is checked through /proc (socket inode of
// the port among p's file descriptors); elsewhere a taken port counts as
// p's. It fails when p exits first or another process holds the port.
func holdsUDPPort(p *extProc, port int) (bool, string) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
		if err == nil {
			c.Close()
		} else {
			inode, ok := udpPortInode(port)
			if !ok {
				return true, "" // no /proc: taken is taken by p
			}
			if hasSocketFD(p.cmd.Process.Pid, inode) {
				return true, ""
			}
			// Bound by somebody: p, still starting, may bind its own
			// socket for the port only after it (the socket binds
			// 0.0.0.0 and [::] separately); give p until the deadline.
		}
		select {
		case <-tick.C:
		case <-p.exited:
			return false, fmt.Sprintf("exited: %v", p.err)
		case <-deadline:
			return false, "another process holds it or it never bound"
		}
	}
}

// udpPortInode returns the socket inode of a UDP socket bound to port on
// an IPv4 address (Linux /proc/net/udp).
func udpPortInode(port int) (string, bool) {
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return "", false
	}
	want := fmt.Sprintf(":%04X", port)
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 9 && strings.HasSuffix(f[1], want) {
			return f[9], true
		}
	}
	return "", true
}

// hasSocketFD reports whether process pid has socket inode open.
func hasSocketFD(pid int, inode string) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	want := "socket:[" + inode + "]"
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && l == want {
			return true
		}
	}
	return false
}
