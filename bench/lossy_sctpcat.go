package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// lossySctpcat runs usctp as a user would, in two processes: `sctpcat
// listen -mode discard` and `sctpcat connect -n N -l SIZE` through the
// relay (the setup of issue 11's report), built from ../cmd/sctpcat. The
// fast and T3 retransmission counts come from connect's last progress
// line, the one it prints at the end. Runs before 2026-12-06 23:12 UTC
// read the last one-second tick (short counts, 0 under a second), or,
// in the 23:02 run, a last line with the zeros Stats then returned for an
// association that had ended.
func lossySctpcat(r *lossyRun, loss float64, seed uint64, want int64) error {
	bin, err := sctpcatBinary()
	if err != nil {
		return err
	}
	sp, _, err := freeUDPPorts()
	if err != nil {
		return err
	}
	sctpPort := 5001 + sp%1000
	srvArgs := []string{"listen", "-udp", strconv.Itoa(sp), "-mode", "discard", "-count", "1"}
	cliArgs := []string{"connect", "-n", strconv.Itoa(*lossyMsgs), "-l", strconv.Itoa(*lossySize)}
	if *lossyBackoff > 0 {
		cliArgs = append(cliArgs, "-max-backoff", lossyBackoff.String())
	}
	if dir := os.Getenv("SCTPBENCH_PCAP_DIR"); dir != "" {
		// Debugging aid: each sctpcat writes its own capture (the
		// packets as its stack saw them, before and after the relay).
		tag := fmt.Sprintf("loss%g-seed%d", loss, seed)
		srvArgs = append(srvArgs, "-pcap", filepath.Join(dir, tag+"-listen.pcap"))
		cliArgs = append(cliArgs, "-pcap", filepath.Join(dir, tag+"-connect.pcap"))
	}
	srv := exec.Command(bin, append(srvArgs, "127.0.0.1:"+strconv.Itoa(sctpPort))...)
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()
	rl, err := newRelay(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sp}, nil, lossyImpair(loss), lossyImpair(loss), seed, want)
	if err != nil {
		return err
	}
	defer rl.close()
	time.Sleep(200 * time.Millisecond) // let the listener bind
	var stderr bytes.Buffer
	cli := exec.Command(bin, append(cliArgs,
		"-udp", "0", "-remote-udp", strconv.Itoa(rl.frontAddr().Port), "127.0.0.1:"+strconv.Itoa(sctpPort))...)
	cli.Stderr = &stderr
	if err := cli.Start(); err != nil {
		return err
	}
	finish(r, rl, time.Now())
	// connect -n exits after SHUTDOWN COMPLETE; give it a moment for its
	// last line, then stop it.
	done := make(chan struct{})
	go func() { _ = cli.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = cli.Process.Kill()
		<-done
	}
	if os.Getenv("SCTPBENCH_SCTPCAT_STDERR") != "" {
		os.Stderr.Write(stderr.Bytes())
	}
	r.fast, r.t3 = lastRtx(stderr.Bytes())
	return nil
}

var rtxLine = regexp.MustCompile(`rtx \d+ \(fast (\d+), T3 (\d+)\)`)

func lastRtx(b []byte) (fast, t3 uint64) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := rtxLine.FindStringSubmatch(sc.Text()); m != nil {
			fast, _ = strconv.ParseUint(m[1], 10, 64)
			t3, _ = strconv.ParseUint(m[2], 10, 64)
		}
	}
	return fast, t3
}

var sctpcatBin string

// sctpcatBinary builds ../cmd/sctpcat once per run.
func sctpcatBinary() (string, error) {
	if sctpcatBin != "" {
		return sctpcatBin, nil
	}
	dir, err := os.MkdirTemp("", "sctpbench-sctpcat")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sctpcat")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/usctp/sctp/cmd/sctpcat").CombinedOutput()
	if err != nil {
		return "", errors.New("building sctpcat: " + err.Error() + ": " + string(out))
	}
	sctpcatBin = bin
	return bin, nil
}
