//go:build linux

package udpencap

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
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

// onlyKicks makes the sockets this test opens wait in recvmmsg without
// the kickSafety timeout: only a kick or Close ends such a wait.
func onlyKicks(t *testing.T) {
	prev := kickSafety
	kickSafety = time.Hour
	t.Cleanup(func() { kickSafety = prev })
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
// once the read is about to wait (what ends the wait must then wake the
// thread: nothing else would), and whether that wait is the blocking
// recvmmsg (else ppoll).
func readAsync(t *testing.T, c *Conn) (<-chan error, bool) {
	t.Helper()
	waiting := make(chan bool, 1)
	var once sync.Once
	c.tw.testHookWait = func(blocking bool) { once.Do(func() { waiting <- blocking }) }
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch(newMsgs(4, 2048))
		done <- err
	}()
	select {
	case blocking := <-waiting:
		return done, blocking
	case err := <-done:
		t.Fatalf("ReadBatch returned before it waited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("ReadBatch did not wait within 10 s")
	}
	return nil, false
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

// pastDeadlineEndsRead starts a ReadBatch on c, checks where it waits
// (the blocking recvmmsg when blocking, else ppoll), sets a past read
// deadline and checks that the read ends with os.ErrDeadlineExceeded;
// then it clears the deadline. what names the case.
func pastDeadlineEndsRead(t *testing.T, c *Conn, blocking bool, what string) {
	t.Helper()
	done, b := readAsync(t, c)
	if b != blocking {
		t.Fatalf("%s: the read waits in the blocking recvmmsg: %v, want %v", what, b, blocking)
	}
	if err := c.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done, what); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: ReadBatch = %v, want os.ErrDeadlineExceeded", what, err)
	}
	c.SetReadDeadline(time.Time{})
}

func TestThreadWaitDeadlines(t *testing.T) {
	withProcs(t, 3) // a and b both wait in threads
	onlyKicks(t)
	a := listenT(t, "udp4", "127.0.0.1")
	b := listenT(t, "udp4", "127.0.0.1")
	if !b.WaitsInThread() {
		t.Fatal("the socket stayed in the netpoller")
	}
	// A past deadline set while (or just before) a read waits ends it:
	// this is how package sctp interrupts a goroutine in ReadBatch. With
	// no deadline the read waits in recvmmsg, and the kick ends it.
	pastDeadlineEndsRead(t, b, true, "past deadline")
	// A deadline in the future ends a read that gets nothing.
	if err := b.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	done, blocking := readAsync(t, b)
	if blocking {
		t.Fatal("a read with a deadline waits in the blocking recvmmsg, want ppoll (its timeout)")
	}
	if err := waitErr(t, done, "future deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
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
	for _, blocking := range []bool{true, false} {
		t.Run(fmt.Sprintf("blocking=%v", blocking), func(t *testing.T) {
			withProcs(t, 2)
			onlyKicks(t)
			c, err := Listen("udp4", netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				t.Fatal(err)
			}
			if !c.WaitsInThread() {
				t.Fatal("the socket stayed in the netpoller")
			}
			if !blocking {
				c.SetReadDeadline(time.Now().Add(time.Hour)) // waits in ppoll
			}
			done, b := readAsync(t, c)
			if b != blocking {
				t.Fatalf("the read waits in the blocking recvmmsg: %v, want %v", b, blocking)
			}
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
		})
	}
}

// The kicks are not datagrams of the socket: a read after one returns
// only what peers sent, zero-length datagrams included, and counts them
// alone. Checked on a dual-stack socket too (its kicks come from ::1 or
// 127.0.0.1).
func TestThreadWaitKickNotDelivered(t *testing.T) {
	for _, fam := range []struct{ network, ip string }{{"udp4", "127.0.0.1"}, {"udp", "127.0.0.1"}} {
		t.Run(fam.network, func(t *testing.T) {
			withProcs(t, 3)
			onlyKicks(t)
			b := listenT(t, fam.network, "")
			a := listenT(t, "udp4", "127.0.0.1", WithoutThreadWait())
			if !b.WaitsInThread() || b.tw.kick < 0 {
				t.Fatalf("the socket does not wait in a blocking recvmmsg (thread %v, kick %d)", b.WaitsInThread(), b.tw.kick)
			}
			for i := 0; i < 3; i++ {
				pastDeadlineEndsRead(t, b, true, fmt.Sprintf("kick %d", i))
			}
			ms := []Message{{Buf: []byte{}, Addr: loopbackOf(b, fam.ip)}, {Buf: []byte("x"), Addr: loopbackOf(b, fam.ip)}}
			if _, err := a.WriteBatch(ms); err != nil {
				t.Fatal(err)
			}
			got := readN(t, b, 2, 2048)
			for i, g := range got {
				if g.Addr != a.LocalAddr() {
					t.Fatalf("datagram %d (%d bytes) from %v, want only %v's", i, len(g.Buf), g.Addr, a.LocalAddr())
				}
			}
			if len(got[0].Buf) != 0 || string(got[1].Buf) != "x" {
				t.Fatalf("read %q, %q; want the empty datagram, then %q", got[0].Buf, got[1].Buf, "x")
			}
			if n := b.Stats().DatagramsRead; n != 2 {
				t.Fatalf("DatagramsRead = %d, want 2 (kicks not counted)", n)
			}
		})
	}
}

// A kick that cannot be sent (here: its socket shut down for writing)
// loses no read: the blocked one returns within kickSafety (SO_RCVTIMEO)
// and finds the deadline, and the reads after it wait in ppoll.
func TestThreadWaitLostKickBounded(t *testing.T) {
	withProcs(t, 2)
	c := listenT(t, "udp4", "127.0.0.1")
	if !c.WaitsInThread() || c.tw.kick < 0 {
		t.Fatal("the socket does not wait in a blocking recvmmsg")
	}
	if err := unix.Shutdown(c.tw.kick, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	pastDeadlineEndsRead(t, c, true, "lost kick")
	pastDeadlineEndsRead(t, c, false, "the read after the lost kick")
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

// A socket that shares its port (SO_REUSEPORT: package sctp's shards)
// waits in ppoll, not in the blocking recvmmsg: a kick sent to the port
// could reach another socket of the group. Its deadlines still work.
func TestThreadWaitSharedPortPolls(t *testing.T) {
	withProcs(t, 2)
	onlyKicks(t)
	reuse := WithControl(func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }); err != nil {
			return err
		}
		return serr
	})
	c := listenT(t, "udp4", "127.0.0.1", reuse)
	if !c.WaitsInThread() {
		t.Fatal("the socket stayed in the netpoller")
	}
	if c.tw.kick >= 0 {
		t.Fatal("a socket with SO_REUSEPORT waits in the blocking recvmmsg")
	}
	pastDeadlineEndsRead(t, c, false, "shared port")
}

// threadConn is also the socket's syscall.RawConn: its Read waits in
// ppoll, and a read deadline set meanwhile ends that wait as it ends a
// ReadBatch's.
func TestThreadWaitRawConnReadDeadline(t *testing.T) {
	withProcs(t, 2)
	c := listenT(t, "udp4", "127.0.0.1")
	if !c.WaitsInThread() {
		t.Fatal("the socket stayed in the netpoller")
	}
	// Take Listen's probe kick off the socket (ReadBatch drops it), so
	// that nothing but the deadline's signal can wake the wait below.
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.ReadBatch(newMsgs(4, 2048)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadBatch on an idle socket = %v, want os.ErrDeadlineExceeded", err)
	}
	c.SetReadDeadline(time.Time{})
	waiting := make(chan bool, 1)
	var once sync.Once
	c.tw.testHookWait = func(blocking bool) { once.Do(func() { waiting <- blocking }) }
	done := make(chan error, 1)
	go func() { done <- c.tw.Read(func(uintptr) bool { return false }) }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("Read returned before it waited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not wait within 10 s")
	}
	c.SetReadDeadline(time.Unix(1, 0))
	if err := waitErr(t, done, "RawConn Read with a past deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read = %v, want os.ErrDeadlineExceeded", err)
	}
}
