package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/usctp/sctp/bench/internal/peer"
)

// The rows of issue 16: usctp through each API (Conn, SocketTCP with
// SCTPRecv or SCTPRecvInto, SocketUDP with SCTPRecvInto), in this process
// (usctpAPIRunner) and as two processes (usctpProcRunner, the peers being
// cmd/usctp-peer), and sctpcat as a user runs it (sctpcatRunner).

// peerConfigs returns the server and client configuration of one run on
// free UDP ports of 127.0.0.1.
func peerConfigs(api string, s scenario) (srv, cli peer.Config, err error) {
	sp, _, err := freeUDPPorts()
	if err != nil {
		return srv, cli, err
	}
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(5001+sp%1000))
	srv = peer.Config{API: api, LocalUDP: sp, Addr: addr}
	cli = peer.Config{API: api, RemoteUDP: sp, Addr: addr, Size: s.size, Dur: s.dur}
	return srv, cli, nil
}

// usctpAPIRunner measures api with both peers in this process (the CPU
// figure covers both).
func usctpAPIRunner(api string) func(s scenario) result {
	return func(s scenario) result {
		srvCfg, cliCfg, err := peerConfigs(api, s)
		if err != nil {
			return result{err: err}
		}
		ready := make(chan struct{})
		type out struct {
			r   peer.Result
			err error
		}
		srvDone := make(chan out, 1)
		go func() {
			r, err := peer.Serve(srvCfg, s.pingpong, func() { close(ready) })
			srvDone <- out{r, err}
		}()
		select {
		case <-ready:
		case o := <-srvDone:
			return result{err: fmt.Errorf("server: %v", o.err)}
		}
		cpu0 := selfCPU()
		var cr peer.Result
		if s.pingpong {
			cr, err = peer.Ping(cliCfg)
		} else {
			cr, err = peer.Send(cliCfg)
		}
		var so out
		select {
		case so = <-srvDone:
		case <-time.After(10 * time.Second):
			so.err = errors.New("server did not end")
		}
		cpu := selfCPU() - cpu0
		if err != nil {
			return result{err: fmt.Errorf("client: %v", err)}
		}
		if so.err != nil {
			return result{err: fmt.Errorf("server: %v", so.err)}
		}
		if s.pingpong {
			return result{bytes: cr.Msgs, msgs: cr.Msgs, elapsed: cr.Elapsed, cpu: cpu, rtts: cr.RTTs}
		}
		return result{bytes: so.r.Bytes, msgs: so.r.Msgs, elapsed: cr.Elapsed, cpu: cpu}
	}
}

var peerBin string

// peerBinary builds cmd/usctp-peer once per run.
func peerBinary() (string, error) {
	if peerBin != "" {
		return peerBin, nil
	}
	dir, err := os.MkdirTemp("", "sctpbench-peer")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "usctp-peer")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/usctp-peer").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building usctp-peer: %v: %s", err, out)
	}
	peerBin = bin
	return bin, nil
}

// peerResult parses a usctp-peer RESULT line.
func peerResult(out string) (bytes, msgs int64, secs float64, p50, p99 int64, ok bool) {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "RESULT ") {
			_, err := fmt.Sscan(strings.TrimPrefix(l, "RESULT "), &bytes, &msgs, &secs, &p50, &p99)
			ok = err == nil
		}
	}
	return
}

// usctpProcRunner measures api with each peer in its own process
// (cmd/usctp-peer); the CPU figure is both children's.
func usctpProcRunner(api string) func(s scenario) result {
	return usctpProcRunnerWith(api, peerBinary)
}

var peerBaseline = flag.String("peer-baseline", "", "a usctp-peer binary built from an older commit, measured as row usctp-2p-Conn-baseline (before/after in one run)")

// usctpProcBaselineRunner is usctpProcRunner("conn") with the
// -peer-baseline binary.
func usctpProcBaselineRunner(s scenario) result {
	return usctpProcRunnerWith("conn", func() (string, error) {
		if *peerBaseline == "" {
			return "", errors.New("no -peer-baseline binary")
		}
		return *peerBaseline, nil
	})(s)
}

func usctpProcRunnerWith(api string, binary func() (string, error)) func(s scenario) result {
	return func(s scenario) result {
		bin, err := binary()
		if err != nil {
			return result{err: err}
		}
		srvCfg, cliCfg, err := peerConfigs(api, s)
		if err != nil {
			return result{err: err}
		}
		role, crole := "recv", "send"
		if s.pingpong {
			role, crole = "pong", "ping"
		}
		srv := exec.Command(bin, "-role", role, "-api", api, "-udp", strconv.Itoa(srvCfg.LocalUDP), "-addr", srvCfg.Addr.String())
		so, err := srv.StdoutPipe()
		if err != nil {
			return result{err: err}
		}
		srv.Stderr = os.Stderr
		if err := srv.Start(); err != nil {
			return result{err: err}
		}
		killSrv := time.AfterFunc(s.dur+30*time.Second, func() { _ = srv.Process.Kill() })
		defer killSrv.Stop()
		sc := bufio.NewScanner(so)
		if !sc.Scan() || sc.Text() != "READY" {
			_ = srv.Process.Kill()
			_ = srv.Wait()
			return result{err: errors.New("usctp-peer server did not start")}
		}
		cli := exec.Command(bin, "-role", crole, "-api", api, "-remote-udp", strconv.Itoa(srvCfg.LocalUDP),
			"-addr", cliCfg.Addr.String(), "-t", s.dur.String(), "-l", strconv.Itoa(s.size))
		cli.Stderr = os.Stderr
		killCli := time.AfterFunc(s.dur+30*time.Second, func() { _ = cli.Process.Kill() })
		cout, cerr := cli.Output()
		killCli.Stop()
		var srvOut strings.Builder
		for sc.Scan() {
			srvOut.WriteString(sc.Text() + "\n")
		}
		serr := srv.Wait()
		if cerr != nil || serr != nil {
			return result{err: fmt.Errorf("usctp-peer: client %v, server %v", cerr, serr)}
		}
		_, cmsgs, csecs, p50, p99, ok1 := peerResult(string(cout))
		sbytes, smsgs, _, _, _, ok2 := peerResult(srvOut.String())
		if !ok1 || !ok2 {
			return result{err: errors.New("usctp-peer printed no result")}
		}
		cpu := childCPU(cli) + childCPU(srv)
		elapsed := time.Duration(csecs * float64(time.Second))
		if s.pingpong {
			return result{bytes: cmsgs, msgs: cmsgs, elapsed: elapsed, cpu: cpu, rtts: synthRTTs(int(cmsgs), p50, p99)}
		}
		return result{bytes: sbytes, msgs: smsgs, elapsed: elapsed, cpu: cpu}
	}
}

// synthRTTs is a series of n round trips with the given percentiles (µs),
// so that the table code treats every system alike (percentiles picks
// index int(q·(n−1))).
func synthRTTs(n int, p50, p99 int64) []time.Duration {
	rtts := make([]time.Duration, n)
	at99 := int(0.99 * float64(n-1))
	for i := range rtts {
		if i < at99 {
			rtts[i] = time.Duration(p50) * time.Microsecond
		} else {
			rtts[i] = time.Duration(p99) * time.Microsecond
		}
	}
	return rtts
}

var sentLine = regexp.MustCompile(`sent (\d+) messages? of (\d+) bytes .* in ([0-9.]+) s`)

// sctpcatRunner measures `sctpcat connect -n N -l SIZE` into `sctpcat
// listen -mode discard` (two processes, as a user runs them). N is chosen
// so that a run at 250 MB/s lasts s.dur; the rate is sctpcat's own (until
// SHUTDOWN COMPLETE).
func sctpcatRunner(s scenario) result {
	bin, err := sctpcatBinary()
	if err != nil {
		return result{err: err}
	}
	return sctpcatRun(bin, s)
}

var sctpcatBaseline = flag.String("sctpcat-baseline", "", "a sctpcat binary built from an older commit, measured as row sctpcat-2p-baseline (before/after in one run)")

// sctpcatBaselineRunner is sctpcatRunner with the -sctpcat-baseline binary.
func sctpcatBaselineRunner(s scenario) result {
	if *sctpcatBaseline == "" {
		return result{err: errors.New("no -sctpcat-baseline binary")}
	}
	return sctpcatRun(*sctpcatBaseline, s)
}

func sctpcatRun(bin string, s scenario) result {
	sp, _, err := freeUDPPorts()
	if err != nil {
		return result{err: err}
	}
	addr := "127.0.0.1:" + strconv.Itoa(5001+sp%1000)
	srv := exec.Command(bin, "listen", "-udp", strconv.Itoa(sp), "-mode", "discard", "-count", "1", addr)
	se, err := srv.StderrPipe()
	if err != nil {
		return result{err: err}
	}
	if err := srv.Start(); err != nil {
		return result{err: err}
	}
	defer func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()
	// Connect only once listen said it listens (a fixed sleep was too
	// short on a loaded machine); then keep draining its stderr.
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(se)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "listening on") {
				said = true
				listening <- true
			}
		}
		if !said {
			listening <- false
		}
	}()
	select {
	case ok := <-listening:
		if !ok {
			return result{err: errors.New("sctpcat listen ended without listening")}
		}
	case <-time.After(10 * time.Second):
		return result{err: errors.New("sctpcat listen did not start in 10 s")}
	}
	// -n sized so that the run lasts about as long as the other rows'
	// (-t) at the rates usctp reaches now (600–700 MB/s at 1,200 B): a
	// shorter run weighs the handshake, slow start and the shutdown more.
	n := int(700e6 * s.dur.Seconds() / float64(s.size))
	cli := exec.Command(bin, "connect", "-n", strconv.Itoa(n), "-l", strconv.Itoa(s.size), "-udp", "0", "-remote-udp", strconv.Itoa(sp), addr)
	var stderr strings.Builder
	cli.Stderr = &stderr
	kill := time.AfterFunc(4*s.dur+30*time.Second, func() { _ = cli.Process.Kill() })
	out, err := cli.Output()
	kill.Stop()
	if err != nil {
		e := stderr.String()
		if i := strings.LastIndex(strings.TrimSpace(e), "\n"); i >= 0 {
			e = e[i+1:] // the last line says why
		}
		return result{err: fmt.Errorf("sctpcat connect: %v: %s", err, strings.TrimSpace(e))}
	}
	m := sentLine.FindStringSubmatch(string(out))
	if m == nil {
		return result{err: fmt.Errorf("sctpcat connect printed %q", out)}
	}
	msgs, _ := strconv.ParseInt(m[1], 10, 64)
	size, _ := strconv.ParseInt(m[2], 10, 64)
	secs, _ := strconv.ParseFloat(m[3], 64)
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	select { // listen -count 1 exits after the association
	case <-done:
	case <-time.After(3 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
	return result{bytes: msgs * size, msgs: msgs, elapsed: time.Duration(secs * float64(time.Second)), cpu: childCPU(cli) + childCPU(srv)}
}
