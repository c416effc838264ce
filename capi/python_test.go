package main

import (
	"bufio"
	"context"
	"errors"
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

	sctp "github.com/usctp/sctp"
)

// These tests run the Python binding (python/sctp.py, python/_sctp.py)
// over this package built with -buildmode=c-shared, under every python3
// on the machine (/usr/bin/python3 and the first python3 on PATH, if it
// is another interpreter). They skip when cgo, a C compiler or python3
// is missing.

var (
	libOnce sync.Once
	libPath string
	libErr  error
)

func pyDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../python")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// buildLib builds the shared library once per test binary.
func buildLib(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the Python tests run on unix-like systems")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found: cannot build the shared library")
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
		if _, err := exec.LookPath(cc); err != nil {
			cc = "cc"
		}
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler (%s) for cgo: skipping the Python binding tests", cc)
	}
	libOnce.Do(func() {
		dir, err := os.MkdirTemp("", "usctp-capi-")
		if err != nil {
			libErr = err
			return
		}
		name := "libusctp.so"
		if runtime.GOOS == "darwin" {
			name = "libusctp.dylib"
		}
		libPath = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", libPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			libErr = errors.New("go build -buildmode=c-shared: " + err.Error() + "\n" + string(out))
		}
	})
	if libErr != nil {
		t.Fatal(libErr)
	}
	return libPath
}

// pythons returns the python3 interpreters to run the scripts with.
func pythons(t *testing.T) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		if _, err := os.Stat(p); err != nil {
			return
		}
		// Identify the interpreter by what it runs, not by its path
		// (pyenv's python3 is a shim script: run what it runs).
		id, err := exec.Command(p, "-c", "import sys; print(sys.executable); print(sys.version)").Output()
		if err != nil {
			return
		}
		exe, _, _ := strings.Cut(strings.TrimSpace(string(id)), "\n")
		if key := strings.TrimSpace(string(id)); !seen[key] {
			seen[key] = true
			if _, err := os.Stat(exe); err != nil {
				exe = p
			}
			out = append(out, exe)
		}
	}
	add("/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	if len(out) == 0 {
		t.Skip("python3 not found: skipping the Python binding tests")
	}
	return out
}

func pyName(py string) string {
	return strings.NewReplacer("/", "_").Replace(strings.TrimPrefix(py, "/"))
}

// pyEnv is the environment of a script: the modules and the library
// built for this test; extra entries (KEY=VALUE) override.
func pyEnv(t *testing.T, extra ...string) []string {
	env := []string{"PYTHONPATH=" + pyDir(t), "USCTP_LIB=" + buildLib(t), "PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "USCTP_") || strings.HasPrefix(kv, "PYTHON") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// runPy runs a script to completion and returns its output; the script
// fails the test unless it exits 0 within limit.
func runPy(t *testing.T, py string, limit time.Duration, env []string, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{filepath.Join(pyDir(t), "tests", script)}, args...)...)
	cmd.Env = env
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", py, script, err, out)
	}
	return string(out)
}

// freeUDPPort returns a UDP port free on 127.0.0.1 and the wildcard.
// waitUDPPortTaken waits (bounded) until something holds UDP port on
// the IPv4 wildcard: a program started on it has bound its socket.
func waitUDPPortTaken(t *testing.T, port int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("nothing bound UDP port %d within %v", port, limit)
		}
		time.Sleep(10 * time.Millisecond) // polling another process's bind; bounded above
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{})
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if c6, err := net.ListenUDP("udp", &net.UDPAddr{Port: p}); err == nil {
			c6.Close()
			return p
		}
	}
	t.Fatal("no free UDP port")
	return 0
}

// TestPythonScripts runs the single-process scripts: the pysctp README
// usage, the pysctp-style loopback test, one-to-many with peeloff,
// notifications, options, bad input, select/poll/selectors and threads.
// Their stack binds an ephemeral UDP port (USCTP_UDP_PORT=0), so they
// do not depend on 9899 being free.
func TestPythonScripts(t *testing.T) {
	buildLib(t)
	for _, py := range pythons(t) {
		t.Run(pyName(py), func(t *testing.T) {
			// Each process has its own stack (and so its own SCTP
			// ports): the interpreters can run side by side.
			t.Parallel()
			for _, s := range []string{"readme_usage", "loopback", "one_to_many", "notifications", "options",
				"errors", "select_threads", "parity"} {
				t.Run(s, func(t *testing.T) {
					out := runPy(t, py, 90*time.Second, pyEnv(t, "USCTP_UDP_PORT=0"), s+".py")
					if !strings.Contains(out, "OK "+s) {
						t.Fatalf("%s did not report OK:\n%s", s, out)
					}
				})
			}
		})
	}
}

// startPyServer starts python/tests/echo_server.py and returns its SCTP
// and UDP ports (from its READY line) and a function that waits for it
// to exit and returns its output.
func startPyServer(t *testing.T, py string, env []string, sctpPort, clients int) (udpPort int, wait func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, py, filepath.Join(pyDir(t), "tests", "echo_server.py"), strconv.Itoa(sctpPort), strconv.Itoa(clients))
	cmd.Env = env
	cmd.WaitDelay = 2 * time.Second
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	rd := bufio.NewReader(out)
	line, err := rd.ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "READY" {
		cancel()
		cmd.Wait()
		t.Fatalf("server did not start: %q %v\n%s", line, err, errb.String())
	}
	udpPort, _ = strconv.Atoi(f[2])
	return udpPort, func() string {
		rest, _ := io.ReadAll(rd)
		err := cmd.Wait()
		cancel()
		if err != nil {
			t.Errorf("server: %v\n%s%s", err, rest, errb.String())
		}
		return string(rest)
	}
}

// TestPythonTwoProcesses runs a Python server and a Python client as two
// processes with no UDP configuration: the server's stack takes UDP 9899,
// the client's finds 9899 taken and uses an ephemeral port. If another
// program holds 9899 already, the server falls back to an ephemeral port
// and the client is told where it is (USCTP_REMOTE_UDP_PORT).
func TestPythonTwoProcesses(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(pyName(py), func(t *testing.T) {
			udp, wait := startPyServer(t, py, pyEnv(t), 10101, 2)
			var cliEnv []string
			if udp == sctp.DefaultUDPPort {
				t.Logf("zero configuration: the server holds UDP %d", udp)
			} else {
				t.Logf("UDP %d was taken by another program: the server is on %d", sctp.DefaultUDPPort, udp)
				cliEnv = append(cliEnv, "USCTP_REMOTE_UDP_PORT="+strconv.Itoa(udp))
			}
			for i := 0; i < 2; i++ {
				out := runPy(t, py, 60*time.Second, pyEnv(t, cliEnv...), "echo_client.py", "127.0.0.1", "10101")
				if !strings.Contains(out, "OK client") {
					t.Fatalf("client: %s", out)
				}
			}
			if out := wait(); !strings.Contains(out, "server done") {
				t.Fatalf("server did not finish: %s", out)
			}
		})
	}
}

// TestPythonClientUsrsctpEchoServer runs the Python client against
// usrsctp's echo_server (SCTP port 7; arguments: its local UDP port and
// the remote UDP port it sends to).
func TestPythonClientUsrsctpEchoServer(t *testing.T) {
	bin := "/usr/lib/usrsctp/echo_server"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not installed (Debian package usrsctp examples)", bin)
	}
	for _, py := range pythons(t) {
		t.Run(pyName(py), func(t *testing.T) {
			srvUDP, myUDP := freeUDPPort(t), freeUDPPort(t)
			for myUDP == srvUDP {
				myUDP = freeUDPPort(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			srv := exec.CommandContext(ctx, bin, strconv.Itoa(srvUDP), strconv.Itoa(myUDP))
			srv.WaitDelay = 2 * time.Second
			var srvOut strings.Builder
			srv.Stdout, srv.Stderr = &srvOut, &srvOut
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cancel(); srv.Wait() }()
			// An INIT sent before the server bound its UDP port would get
			// ICMP port unreachable, which ends the connect at once (RFC
			// 6951 §5.6): start the client once the port is taken.
			waitUDPPortTaken(t, srvUDP, 10*time.Second)
			out := runPy(t, py, 60*time.Second, pyEnv(t, "USCTP_UDP_PORT="+strconv.Itoa(myUDP),
				"USCTP_REMOTE_UDP_PORT="+strconv.Itoa(srvUDP)), "echo_client.py", "127.0.0.1", "7")
			if !strings.Contains(out, "OK client") {
				t.Fatalf("client: %s\nserver: %s", out, srvOut.String())
			}
		})
	}
}

// TestPythonClientGoServer runs the Python client against a Go program
// using usctp (this test process: a Stack on an ephemeral UDP port with
// a one-to-one echo server that keeps stream and PPID).
func TestPythonClientGoServer(t *testing.T) {
	pys := pythons(t)
	st, err := sctp.NewStack(sctp.StackConfig{LocalAddr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ln, err := st.NewSocketTCP(sctp.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Bind(netip.MustParseAddrPort("127.0.0.1:10102")); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(4); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	echoed := make(chan int, len(pys))
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, _, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				n := 0
				for {
					r, err := c.SCTPRecv(1 << 20)
					if err != nil {
						echoed <- n
						return
					}
					if r.Notification != nil {
						continue
					}
					if _, err := c.SCTPSend(r.Msg, &sctp.SndInfo{Stream: r.Info.Stream, PPID: r.Info.PPID}); err != nil {
						t.Errorf("Go server send: %v", err)
					}
					n++
				}
			}()
		}
	}()
	udp := strconv.Itoa(int(st.LocalUDPAddr().Port()))
	for _, py := range pys {
		t.Run(pyName(py), func(t *testing.T) {
			out := runPy(t, py, 60*time.Second, pyEnv(t, "USCTP_UDP_PORT=0", "USCTP_REMOTE_UDP_PORT="+udp),
				"echo_client.py", "127.0.0.1", "10102")
			if !strings.Contains(out, "OK client") {
				t.Fatalf("client: %s", out)
			}
			select {
			case n := <-echoed:
				if n != 3 {
					t.Fatalf("Go server echoed %d messages, want 3", n)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Go server did not see the client close")
			}
		})
	}
}
