//go:build linux

package udpencap

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// withProcs runs the rest of the test with GOMAXPROCS = n (Listen decides
// on waiting in the caller's thread by it).
func withProcs(t *testing.T, n int) {
	prev := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

func TestThreadWaitChosen(t *testing.T) {
	withProcs(t, 2)
	first := listenT(t, "udp4", "127.0.0.1")
	if !first.WaitsInThread() {
		t.Fatal("GOMAXPROCS=2: the socket stayed in the netpoller")
	}
	// At most GOMAXPROCS − 1 sockets wait in threads: with both Ps in
	// ppoll only sysmon would run the netpoller and timers.
	if c := listenT(t, "udp4", "127.0.0.1"); c.WaitsInThread() {
		t.Fatal("GOMAXPROCS=2: a second socket left the netpoller too")
	}
	first.Close()
	if c := listenT(t, "udp4", "127.0.0.1"); !c.WaitsInThread() {
		t.Fatal("GOMAXPROCS=2: after the first socket closed, the next one stayed in the netpoller")
	}
	if c := listenT(t, "udp4", "127.0.0.1", WithoutThreadWait()); c.WaitsInThread() {
		t.Fatal("WithoutThreadWait: the socket left the netpoller")
	}
	if c := listenT(t, "udp4", "127.0.0.1", WithoutBatch()); c.WaitsInThread() {
		t.Fatal("WithoutBatch (portable path): the socket left the netpoller")
	}
	withProcs(t, 1)
	if c := listenT(t, "udp4", "127.0.0.1"); c.WaitsInThread() {
		t.Fatal("GOMAXPROCS=1: the socket left the netpoller")
	}
}

// readAsync starts a ReadBatch on c and returns where its result arrives,
// once the read is about to wait in ppoll (what ends the wait must then
// wake the thread: nothing else would).
func readAsync(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	waiting := make(chan struct{})
	var once sync.Once
	c.tw.testHookWait = func() { once.Do(func() { close(waiting) }) }
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch(newMsgs(4, 2048))
		done <- err
	}()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("ReadBatch returned before it waited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("ReadBatch did not wait within 10 s")
	}
	return done
}

func waitErr(t *testing.T, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: ReadBatch still blocked after 10 s", what)
		return nil
	}
}

func TestThreadWaitDeadlines(t *testing.T) {
	withProcs(t, 3) // a and b both wait in threads
	a := listenT(t, "udp4", "127.0.0.1")
	b := listenT(t, "udp4", "127.0.0.1")
	if !b.WaitsInThread() {
		t.Fatal("the socket stayed in the netpoller")
	}
	// A past deadline set while (or just before) a read waits ends it:
	// this is how package sctp interrupts a goroutine in ReadBatch.
	done := readAsync(t, b)
	if err := b.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done, "past deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: ReadBatch = %v, want os.ErrDeadlineExceeded", err)
	}
	// A deadline in the future ends a read that gets nothing.
	if err := b.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, readAsync(t, b), "future deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("future deadline: ReadBatch = %v, want os.ErrDeadlineExceeded", err)
	}
	// Cleared, the deadline no longer counts, and the wake-ups the
	// deadlines left behind do not end a read without a datagram.
	if err := b.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	ms := []Message{{Buf: []byte("after the deadlines"), Addr: loopbackOf(b, "127.0.0.1")}}
	if _, err := a.WriteBatch(ms); err != nil {
		t.Fatal(err)
	}
	got := readN(t, b, 1, 2048)
	if string(got[0].Buf) != "after the deadlines" {
		t.Fatalf("read %q", got[0].Buf)
	}
}

func TestThreadWaitCloseEndsRead(t *testing.T) {
	withProcs(t, 2)
	c, err := Listen("udp4", netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.WaitsInThread() {
		t.Fatal("the socket stayed in the netpoller")
	}
	done := readAsync(t, c)
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	if err := waitErr(t, done, "Close"); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadBatch during Close = %v, want ErrClosed", err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close still blocked after 10 s")
	}
	if _, err := c.ReadBatch(newMsgs(1, 64)); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadBatch after Close = %v, want ErrClosed", err)
	}
	if _, err := c.WriteBatch([]Message{{Buf: []byte{1}, Addr: c.LocalAddr()}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteBatch after Close = %v, want ErrClosed", err)
	}
}

// The probe at Listen peeks: a datagram already queued stays for the
// first read.
func TestThreadWaitProbeKeepsDatagram(t *testing.T) {
	a := listenT(t, "udp4", "127.0.0.1")
	b := listenT(t, "udp4", "127.0.0.1", WithoutThreadWait())
	if _, err := a.WriteBatch([]Message{{Buf: []byte("early"), Addr: loopbackOf(b, "127.0.0.1")}}); err != nil {
		t.Fatal(err)
	}
	var perr error
	if err := b.sys.rc.Control(func(fd uintptr) {
		// Until the datagram is queued (at most 10 s), then the probe.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 10000); n != 1 || err != nil {
			perr = fmt.Errorf("datagram not queued within 10 s: %d, %v", n, err)
			return
		}
		perr = probeMmsg(int(fd))
	}); err != nil {
		t.Fatal(err)
	}
	if perr != nil {
		t.Fatal(perr)
	}
	if got := readN(t, b, 1, 2048); string(got[0].Buf) != "early" {
		t.Fatalf("after the probe read %q, want %q", got[0].Buf, "early")
	}
}
