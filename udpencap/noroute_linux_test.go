//go:build linux

package udpencap

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWriteNoRouteFails: with IP_RECVERR on, a send to a destination
// without a route (an interface went down) fails with the send's own
// error instead of being retried forever as if it were a pending ICMP
// report. The test runs in a network namespace it creates (only lo, down:
// no route anywhere) and removes; it skips unless root with ip(8).
func TestWriteNoRouteFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("no ip(8) command")
	}
	ns := fmt.Sprintf("usctp-%d-u", os.Getpid())
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	defer exec.Command(ip, "netns", "del", ns).Run()
	var c *Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread is discarded
		fd, oerr := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if oerr != nil {
			err = oerr
			return
		}
		defer unix.Close(fd)
		if err = unix.Setns(fd, unix.CLONE_NEWNET); err == nil {
			c, err = Listen("udp4", netip.AddrPort{}, WithICMPHandler(func(ICMPError) {}))
		}
	}()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ms := []Message{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("172.31.9.9:9")}}
	n, err := c.WriteBatch(ms)
	var errno syscall.Errno
	if n != 0 || !errors.As(err, &errno) || errno != unix.ENETUNREACH {
		t.Fatalf("WriteBatch without a route = %d, %v; want 0, ENETUNREACH", n, err)
	}
}
