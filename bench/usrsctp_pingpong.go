package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const echoServerPath = "/usr/lib/usrsctp/echo_server"

var ppBin string // built usrsctp-pingpong, "" until built

// usrsctpPingPong runs usrsctp on both ends: Debian's echo_server and the
// cgo peer cmd/usrsctp-pingpong, built on first use (needs
// libusrsctp-dev).
func usrsctpPingPong(s scenario) result {
	if _, err := os.Stat(echoServerPath); err != nil {
		return result{err: errors.New("echo_server not installed (apt-get install libusrsctp-examples)")}
	}
	if ppBin == "" {
		dir, err := os.MkdirTemp("", "sctpbench-pp")
		if err != nil {
			return result{err: err}
		}
		bin := filepath.Join(dir, "usrsctp-pingpong")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/usrsctp-pingpong").CombinedOutput(); err != nil {
			return result{err: fmt.Errorf("building usrsctp-pingpong (needs libusrsctp-dev): %v: %s", err, out)}
		}
		ppBin = bin
	}
	sp, cp, err := freeUDPPorts()
	if err != nil {
		return result{err: err}
	}
	srv := exec.Command(echoServerPath, strconv.Itoa(sp))
	if err := srv.Start(); err != nil {
		return result{err: err}
	}
	defer func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()
	time.Sleep(300 * time.Millisecond) // echo_server has no readiness signal
	cli := exec.Command(ppBin, "-local-udp", strconv.Itoa(cp), "-remote-udp", strconv.Itoa(sp), "-t", s.dur.String())
	timer := time.AfterFunc(s.dur+30*time.Second, func() { _ = cli.Process.Kill() })
	out, err := cli.Output()
	timer.Stop()
	if err != nil {
		return result{err: fmt.Errorf("usrsctp-pingpong: %v", err)}
	}
	_ = srv.Process.Kill()
	_ = srv.Wait()
	var n int
	var secs float64
	var p50, p99 int64
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "RESULT ") {
			fmt.Sscan(strings.TrimPrefix(l, "RESULT "), &n, &secs, &p50, &p99)
		}
	}
	if n == 0 {
		return result{err: errors.New("usrsctp-pingpong printed no result")}
	}
	// Synthesize a latency series with the measured percentiles so the
	// table code can treat all systems alike.
	// percentiles picks index int(q·(n−1)), so the p99 value must start
	// there.
	rtts := make([]time.Duration, n)
	at99 := int(0.99 * float64(n-1))
	for i := range rtts {
		if i < at99 {
			rtts[i] = time.Duration(p50) * time.Microsecond
		} else {
			rtts[i] = time.Duration(p99) * time.Microsecond
		}
	}
	return result{bytes: int64(n), msgs: int64(n), elapsed: time.Duration(secs * float64(time.Second)),
		cpu: childCPU(cli) + childCPU(srv), rtts: rtts, note: "echo_server + cgo usrsctp client"}
}
