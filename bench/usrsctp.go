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
	"strconv"
	"strings"
	"time"
)

const tsctpPath = "/usr/lib/usrsctp/tsctp"

// quietShim is a tiny LD_PRELOAD library that turns usrsctp's debug
// output off: Debian's tsctp switches SCTP_DEBUG_ALL on, which prints
// ~10 lines per packet on stdout and slows it down. The shim makes
// usrsctp_sysctl_set_sctp_debug_on a no-op. It is built with the system C
// compiler at run time; nothing of usrsctp is rebuilt.
const quietShim = `int usrsctp_sysctl_set_sctp_debug_on(unsigned int v) { (void)v; return 0; }
`

var quietLib string // path of the built shim, "" if unavailable

func buildQuietShim() error {
	dir, err := os.MkdirTemp("", "sctpbench")
	if err != nil {
		return err
	}
	src := filepath.Join(dir, "quiet.c")
	lib := filepath.Join(dir, "libquiet.so")
	if err := os.WriteFile(src, []byte(quietShim), 0o644); err != nil {
		return err
	}
	out, err := exec.Command("cc", "-shared", "-fPIC", "-O2", "-o", lib, src).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cc: %v: %s", err, out)
	}
	quietLib = lib
	return nil
}

// freeUDPPorts asks the kernel for two free UDP ports on 127.0.0.1 (a
// server's and a client's), held open together so they differ.
func freeUDPPorts() (server, client int, err error) {
	var ports [2]int
	for i := range ports {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, 0, err
		}
		defer c.Close()
		ports[i] = c.LocalAddr().(*net.UDPAddr).Port
	}
	return ports[0], ports[1], nil
}

// usrsctpRunner runs Debian's tsctp as server and client over UDP
// encapsulation; quiet selects the LD_PRELOAD shim that silences the
// debug output.
func usrsctpRunner(quiet bool) func(s scenario) result {
	return func(s scenario) result {
		if _, err := os.Stat(tsctpPath); err != nil {
			return result{err: errors.New("tsctp not installed (apt-get install libusrsctp-examples)")}
		}
		if quiet && quietLib == "" {
			if err := buildQuietShim(); err != nil {
				return result{err: err}
			}
		}
		sp, cp, err := freeUDPPorts()
		if err != nil {
			return result{err: err}
		}
		sctpPort := 5001 + sp%1000
		env := os.Environ()
		if quiet {
			env = append(env, "LD_PRELOAD="+quietLib)
		}
		tmp, err := os.MkdirTemp("", "tsctp")
		if err != nil {
			return result{err: err}
		}
		defer os.RemoveAll(tmp)
		srvOut, _ := os.Create(filepath.Join(tmp, "srv.log"))
		defer srvOut.Close()
		srv := exec.Command(tsctpPath, "-E", strconv.Itoa(sp), "-p", strconv.Itoa(sctpPort), "-S", "4194304", "-R", "4194304")
		srv.Env = env
		srv.Stdout = srvOut
		srv.Stderr = srvOut
		if err := srv.Start(); err != nil {
			return result{err: err}
		}
		defer func() {
			_ = srv.Process.Kill()
			_ = srv.Wait()
		}()
		time.Sleep(300 * time.Millisecond) // let the server bind; tsctp has no readiness signal
		secs := int(s.dur / time.Second)
		if secs < 1 {
			secs = 1
		}
		cli := exec.Command(tsctpPath, "-E", strconv.Itoa(cp), "-U", strconv.Itoa(sp), "-p", strconv.Itoa(sctpPort),
			"-T", strconv.Itoa(secs), "-l", strconv.Itoa(s.size), "-S", "4194304", "127.0.0.1")
		cli.Env = env
		cliOut, _ := os.Create(filepath.Join(tmp, "cli.log"))
		defer cliOut.Close()
		cli.Stdout = cliOut
		cli.Stderr = cliOut
		timer := time.AfterFunc(s.dur+30*time.Second, func() { _ = cli.Process.Kill() })
		err = cli.Run()
		timer.Stop()
		if err != nil {
			return result{err: fmt.Errorf("tsctp client: %v", err)}
		}
		// Wait (bounded) for the server's summary line.
		var line string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if line = summaryLine(filepath.Join(tmp, "srv.log")); line != "" {
				break
			}
		}
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Process.Kill()
		_ = srv.Wait()
		cpu := childCPU(cli) + childCPU(srv)
		if line == "" {
			return result{err: errors.New("no summary line from tsctp server")}
		}
		// first_len, messages, recv_calls, bytes, seconds, B/s, notifications
		f := strings.Split(line, ", ")
		if len(f) < 6 {
			return result{err: fmt.Errorf("unexpected tsctp line %q", line)}
		}
		msgs, _ := strconv.ParseInt(f[1], 10, 64)
		byts, _ := strconv.ParseInt(f[3], 10, 64)
		sec, _ := strconv.ParseFloat(f[4], 64)
		return result{bytes: byts, msgs: msgs, elapsed: time.Duration(sec * float64(time.Second)), cpu: cpu}
	}
}

// summaryLine finds tsctp's server summary, skipping the [S] debug lines.
func summaryLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "[S]") {
			continue
		}
		if strings.Count(l, ", ") == 6 {
			return l
		}
	}
	return ""
}
