//go:build linux

package sctp

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Real multi-path tests: two network namespaces the test creates, joined by
// two veth pairs (two subnets, two paths), removed at the end (also on
// failure). Every address is configured inside the namespaces only.
//
//	ns A: va1 172.31.1.1/24 ──veth── vb1 172.31.1.2/24 :ns B
//	      va2 172.31.2.1/24 ──veth── vb2 172.31.2.2/24
//
// Go code runs in a namespace by creating its UDP socket there: a
// goroutine locks its OS thread, enters the namespace (setns), opens the
// stack and binds, and takes the thread back home before unlocking it
// (inNetns); a socket keeps the namespace it was created in.

var flagSlowFailover = flag.Bool("sctp.slowfailover", false, "run the usrsctp half of TestNetnsInteropUsrsctpMultihomed: a path failure with usrsctp's default timers (about 30 s; root)")

// netnsPair is the two namespaces and their links.
type netnsPair struct {
	a, b string // namespace names
	ip   string // path of ip(8)
}

// newNetnsPair creates the namespaces or skips the test saying why.
func newNetnsPair(t *testing.T) *netnsPair {
	t.Helper()
	if testing.Short() {
		t.Skip("netns test: not in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("netns test: needs root to create network namespaces (run go test as root)")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("netns test: no ip(8) command (iproute2)")
	}
	removeStaleNetns(ip)
	p := &netnsPair{a: fmt.Sprintf("usctp-%d-a", os.Getpid()), b: fmt.Sprintf("usctp-%d-b", os.Getpid()), ip: ip}
	if out, err := exec.Command(ip, "netns", "add", p.a).CombinedOutput(); err != nil {
		t.Skipf("netns test: cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Deleting a namespace deletes the veth ends in it (and their
		// peers).
		for _, ns := range []string{p.a, p.b} {
			exec.Command(ip, "netns", "del", ns).Run()
		}
	})
	p.run(t, "netns", "add", p.b)
	for i := 1; i <= 2; i++ {
		p.run(t, "-n", p.a, "link", "add", fmt.Sprintf("va%d", i), "type", "veth", "peer", "name", fmt.Sprintf("vb%d", i), "netns", p.b)
		p.run(t, "-n", p.a, "addr", "add", fmt.Sprintf("172.31.%d.1/24", i), "dev", fmt.Sprintf("va%d", i))
		p.run(t, "-n", p.b, "addr", "add", fmt.Sprintf("172.31.%d.2/24", i), "dev", fmt.Sprintf("vb%d", i))
		p.run(t, "-n", p.a, "link", "set", fmt.Sprintf("va%d", i), "up")
		p.run(t, "-n", p.b, "link", "set", fmt.Sprintf("vb%d", i), "up")
	}
	p.run(t, "-n", p.a, "link", "set", "lo", "up")
	p.run(t, "-n", p.b, "link", "set", "lo", "up")
	return p
}

// removeStaleNetns deletes namespaces an earlier run of these tests left
// behind when it was killed before its cleanup (named usctp-PID-a/b, PID
// no longer running).
func removeStaleNetns(ip string) {
	out, err := exec.Command(ip, "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var pid int
		var side string
		if n, _ := fmt.Sscanf(strings.ReplaceAll(f[0], "-", " "), "usctp %d %s", &pid, &side); n != 2 || (side != "a" && side != "b" && side != "u") {
			continue
		}
		if pid == os.Getpid() || unix.Kill(pid, 0) == nil {
			continue
		}
		exec.Command(ip, "netns", "del", f[0]).Run()
	}
}

func (p *netnsPair) run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(p.ip, args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// inNetns runs f on an OS thread inside namespace ns, then moves the
// thread back to the namespace it came from. The goroutine stays locked to
// its thread until the thread is back: should the return fail, it exits
// still locked and the runtime discards the thread. The return matters
// because the thread may be the process's main thread, which the runtime
// never discards (a locked goroutine that exits on it leaves it parked):
// left in ns, it made /proc/net (the main thread's namespace) show ns's
// sockets, and the usrsctp interop tests, which find their peer's UDP port
// there (holdsUDPPort), failed in every later test of the process.
func inNetns(t *testing.T, ns string, f func()) {
	t.Helper()
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		home, oerr := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if oerr != nil {
			err = oerr
			return // still locked: the thread is discarded
		}
		defer unix.Close(home)
		fd, oerr := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if oerr != nil {
			err = oerr
			runtime.UnlockOSThread() // never left home
			return
		}
		defer unix.Close(fd)
		if err = unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread() // setns failed: still home
			return
		}
		f()
		if rerr := unix.Setns(home, unix.CLONE_NEWNET); rerr != nil {
			err = fmt.Errorf("back from netns %s: %w", ns, rerr)
			return // still locked: the thread is discarded
		}
		runtime.UnlockOSThread()
	}()
	<-done
	if err != nil {
		t.Fatalf("entering netns %s: %v", ns, err)
	}
}

// TestNetnsThreadsReturnHome: after inNetns, every thread of the process
// is back in the namespace the test started in, the main thread included
// (/proc/self/ns/net is the main thread's). A thread left behind in a test
// namespace changed what later tests saw of the host (inNetns).
func TestNetnsThreadsReturnHome(t *testing.T) {
	p := newNetnsPair(t)
	home, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		inNetns(t, p.a, func() {})
	}
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("listing threads: %v (%d)", err, len(tasks))
	}
	tasks = append(tasks, "/proc/self/ns/net")
	checked := 0
	for _, task := range tasks {
		ns, err := os.Readlink(task)
		if err != nil {
			continue // a thread that exited meanwhile
		}
		checked++
		if ns != home {
			t.Errorf("%s is %s, not the test's own %s", task, ns, home)
		}
	}
	if checked == 0 {
		t.Fatal("no thread's namespace could be read")
	}
}

// netnsAssoc sets up a multihomed association from ns A (bound to
// 172.31.1.1 and 172.31.2.1, Connectx to both of B's) to ns B (listening
// on 172.31.1.2 and 172.31.2.2), with configure applied to both sockets
// before the setup.
func netnsAssoc(t *testing.T, p *netnsPair, configure func(*Socket)) (cli, srv *SocketTCP) {
	t.Helper()
	var srvSt, cliSt *Stack
	var ln *SocketTCP
	var err error
	inNetns(t, p.b, func() {
		if srvSt, err = NewStack(StackConfig{Network: "udp4"}); err != nil {
			return
		}
		if ln, err = srvSt.NewSocketTCP(AF_INET); err != nil {
			return
		}
		if configure != nil {
			configure(ln.Socket)
		}
		if err = ln.Bindx([]netip.AddrPort{ap("172.31.1.2:5000"), ap("172.31.2.2:5000")}, BINDX_ADD); err != nil {
			return
		}
		err = ln.Listen(1)
	})
	if srvSt != nil {
		t.Cleanup(func() { srvSt.Close() })
	}
	if err != nil {
		t.Fatalf("server in %s: %v", p.b, err)
	}
	inNetns(t, p.a, func() {
		if cliSt, err = NewStack(StackConfig{Network: "udp4", RemoteUDPPort: srvSt.LocalUDPAddr().Port()}); err != nil {
			return
		}
		if cli, err = cliSt.NewSocketTCP(AF_INET); err != nil {
			return
		}
		if configure != nil {
			configure(cli.Socket)
		}
		err = cli.Bindx([]netip.AddrPort{ap("172.31.1.1:0"), ap("172.31.2.1:0")}, BINDX_ADD)
	})
	if cliSt != nil {
		t.Cleanup(func() { cliSt.Close() })
	}
	if err != nil {
		t.Fatalf("client in %s: %v", p.a, err)
	}
	setTestDeadline(t, cli.Socket)
	setTestDeadline(t, ln.Socket)
	if _, err := cli.Connectx([]netip.AddrPort{ap("172.31.1.2:5000"), ap("172.31.2.2:5000")}); err != nil {
		t.Fatalf("Connectx: %v", err)
	}
	srv, _, err = ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { cli.Close(); srv.Close(); ln.Close() })
	cport := cli.port
	want := map[*Socket][]netip.AddrPort{
		cli.Socket: {ap("172.31.1.2:5000"), ap("172.31.2.2:5000")},
		srv.Socket: {netip.AddrPortFrom(netip.MustParseAddr("172.31.1.1"), cport), netip.AddrPortFrom(netip.MustParseAddr("172.31.2.1"), cport)},
	}
	for s, w := range want {
		got, err := s.GetPaddrs(0)
		if err != nil || len(got) != 2 || sortedAddrs(got)[0] != w[0] || sortedAddrs(got)[1] != w[1] {
			t.Fatalf("GetPaddrs = %v, %v; want %v", got, err, w)
		}
	}
	return cli, srv
}

// TestNetnsMultihomedAssoc: both sides list their two addresses, GetPaddrs
// shows both, every path is confirmed by HEARTBEATs over its own veth.
func TestNetnsMultihomedAssoc(t *testing.T) {
	p := newNetnsPair(t)
	cli, srv := netnsAssoc(t, p, func(s *Socket) { s.SetEvents(EventSubscribe{DataIO: true, Address: true}) })
	waitConfirmed(t, srv.Socket, []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("172.31.1.1"), cli.port), netip.AddrPortFrom(netip.MustParseAddr("172.31.2.1"), cli.port)})
	waitConfirmed(t, cli.Socket, []netip.AddrPort{ap("172.31.1.2:5000"), ap("172.31.2.2:5000")})
}

// netnsFailover sends numbered messages from A to B, paced, sets A's veth
// of the primary path (va1) down once a quarter has arrived, and checks
// that every message arrives once and in order. It returns the longest
// gap between two deliveries after the link went down (the failover
// stall) and the time from the link going down to the last delivery.
func netnsFailover(t *testing.T, configure func(*Socket), total int, pace time.Duration) (stall, toEnd time.Duration) {
	p := newNetnsPair(t)
	cli, srv := netnsAssoc(t, p, configure)
	deadline := time.Now().Add(10 * time.Minute)
	cli.SetDeadline(deadline)
	srv.SetDeadline(deadline)

	var sendErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		msg := make([]byte, 1000)
		for i := range total {
			binary.BigEndian.PutUint32(msg, uint32(i))
			if _, err := cli.SCTPSend(msg, nil); err != nil {
				sendErr = fmt.Errorf("send %d: %w", i, err)
				return
			}
			time.Sleep(pace) // pacing, not waiting for a result
		}
	}()
	var down time.Time
	var last time.Time
	for i := 0; i < total; {
		r, err := srv.SCTPRecv(1 << 16)
		if err != nil {
			t.Fatalf("receive after %d of %d messages: %v (send: %v)", i, total, err, sendErr)
		}
		if r.Notification != nil {
			t.Logf("server: %v", r.Notification)
			continue
		}
		if len(r.Msg) != 1000 || r.Flags&MSG_EOR == 0 {
			t.Fatalf("message %d: %d bytes, flags %v", i, len(r.Msg), r.Flags)
		}
		if got := binary.BigEndian.Uint32(r.Msg); got != uint32(i) {
			t.Fatalf("message %d arrived as number %d: lost, duplicated or out of order", i, got)
		}
		now := time.Now()
		if !down.IsZero() && now.Sub(last) > stall {
			stall = now.Sub(last)
		}
		last = now
		i++
		if i == total/4 {
			p.run(t, "-n", p.a, "link", "set", "va1", "down")
			down = time.Now()
			last = down
			t.Logf("va1 (172.31.1.1 - 172.31.1.2, the primary path) down after %d messages", i)
		}
	}
	wg.Wait()
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	return stall, last.Sub(down)
}

// TestNetnsFailoverDefaults: the primary path fails mid-transfer; with the
// default timers every message still arrives once and in order over the
// other path. The bound is generous (RFC 9260's defaults take Path.Max.Retrans
// = 5 doubling RTOs, from 1 s, on the sender, and the receiver keeps
// sending its SACKs to its own primary path until heartbeats, every 30 s,
// fail it); the note of issue 14 reports the time measured (3m24s).
func TestNetnsFailoverDefaults(t *testing.T) {
	stall, toEnd := netnsFailover(t, nil, 2000, 2*time.Millisecond)
	t.Logf("failover with default timers: longest delivery stall %v; link down to last message %v", stall.Round(time.Millisecond), toEnd.Round(time.Millisecond))
	// Issue 14: data flowing again on the alternate within 5 s with the
	// defaults (RFC 7829 potentially-failed state at the first T3-rtx,
	// SACKs to the source of the DATA, RFC 9260 §6.4).
	if stall > 5*time.Second {
		t.Errorf("longest delivery stall %v after the primary path failed, want at most 5 s with the default timers", stall)
	}
}

// TestNetnsFailoverTuned: the same with RTO.Min 100 ms, RTO.Max 1 s and
// Path.Max.Retrans 1, the settings a telecom user picks for fast failover.
func TestNetnsFailoverTuned(t *testing.T) {
	stall, toEnd := netnsFailover(t, func(s *Socket) {
		if err := s.SetRTOInfo(0, RTOInfo{Initial: 500 * time.Millisecond, Min: 100 * time.Millisecond, Max: time.Second}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPaddrParams(0, PaddrParams{HBInterval: time.Second, PathMaxRxt: 1}); err != nil {
			t.Fatal(err)
		}
	}, 2000, 2*time.Millisecond)
	t.Logf("failover with RTO 100 ms..1 s, Path.Max.Retrans 1, HB.interval 1 s: longest delivery stall %v; link down to last message %v", stall.Round(time.Millisecond), toEnd.Round(time.Millisecond))
}

// TestNetnsInteropUsrsctpMultihomed: usrsctp's echo_server (bound to every
// address, so its INIT ACK lists 172.31.1.2 and 172.31.2.2) in ns B; our
// client in ns A bound to both of A's addresses, connected to one of B's.
// Our INIT lists our two addresses, usrsctp's INIT ACK lists its two:
// GetPaddrs shows both, messages echo; then (with -sctp.slowfailover) the
// primary path's veth goes down and messages still echo (usrsctp and we
// both fail over; usrsctp's default timers take about 30 s).
func TestNetnsInteropUsrsctpMultihomed(t *testing.T) {
	const echo = "/usr/lib/usrsctp/echo_server"
	if _, err := os.Stat(echo); err != nil {
		t.Skip("usrsctp examples not installed (/usr/lib/usrsctp)")
	}
	p := newNetnsPair(t)
	const udpPort = 9899
	srv := exec.Command(p.ip, "netns", "exec", p.b, echo, fmt.Sprint(udpPort))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()

	var st *Stack
	var cli *SocketTCP
	var err error
	inNetns(t, p.a, func() {
		if st, err = NewStack(StackConfig{Network: "udp4", RemoteUDPPort: udpPort}); err != nil {
			return
		}
		if cli, err = st.NewSocketTCP(AF_INET); err != nil {
			return
		}
		cli.SetEvents(EventSubscribe{DataIO: true, Address: true, Association: true})
		cli.SetRTOInfo(0, RTOInfo{Initial: 200 * time.Millisecond, Min: 100 * time.Millisecond, Max: time.Second})
		cli.SetPaddrParams(0, PaddrParams{HBInterval: time.Second, PathMaxRxt: 1})
		err = cli.Bindx([]netip.AddrPort{ap("172.31.1.1:0"), ap("172.31.2.1:0")}, BINDX_ADD)
	})
	if st != nil {
		defer st.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	cli.SetDeadline(time.Now().Add(60 * time.Second))
	// echo_server binds its UDP port before its SCTP socket listens: an
	// early INIT is answered with ABORT or ICMP port unreachable; retry
	// (bounded).
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = cli.ConnectContext(ctx, ap("172.31.1.2:7"))
		cancel()
		if err == nil {
			break
		}
		if attempt == 30 {
			t.Fatalf("connect to usrsctp echo_server in %s: %v", p.b, err)
		}
		time.Sleep(100 * time.Millisecond) // echo_server start-up; not a result wait
	}
	got, err := cli.GetPaddrs(0)
	if err != nil {
		t.Fatal(err)
	}
	if s := sortedAddrs(got); len(s) != 2 || s[0] != ap("172.31.1.2:7") || s[1] != ap("172.31.2.2:7") {
		t.Fatalf("GetPaddrs with usrsctp = %v, want 172.31.1.2:7 and 172.31.2.2:7 (usrsctp lists every address)", got)
	}
	roundTrip := func(i int) {
		t.Helper()
		msg := []byte(fmt.Sprintf("multihomed echo %d", i))
		if _, err := cli.SCTPSend(msg, nil); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		for {
			r, err := cli.SCTPRecv(1 << 16)
			if err != nil {
				t.Fatalf("echo %d: %v", i, err)
			}
			if r.Notification != nil {
				t.Logf("client: %v", r.Notification)
				continue
			}
			if string(r.Msg) != string(msg) {
				t.Fatalf("echo %d: %q, want %q", i, r.Msg, msg)
			}
			return
		}
	}
	for i := range 5 {
		roundTrip(i)
	}
	if !*flagSlowFailover {
		t.Log("failover with usrsctp skipped (its default timers take about 30 s): run with -sctp.slowfailover")
		return
	}
	p.run(t, "-n", p.a, "link", "set", "va1", "down")
	start := time.Now()
	for i := 5; i < 10; i++ {
		roundTrip(i)
	}
	t.Logf("with usrsctp: 5 echoes after the primary path went down took %v", time.Since(start).Round(time.Millisecond))
}
