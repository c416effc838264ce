package sctp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/chunk"
)

func TestParseAddr(t *testing.T) {
	for _, c := range []struct {
		in   string
		want netip.AddrPort
		ok   bool
	}{
		{"127.0.0.1:5000", netip.MustParseAddrPort("127.0.0.1:5000"), true},
		{"[::1]:36412", netip.MustParseAddrPort("[::1]:36412"), true},
		{"[fe80::1%eth0]:1", netip.MustParseAddrPort("[fe80::1%eth0]:1"), true},
		{":38412", netip.AddrPortFrom(netip.Addr{}, 38412), true},
		{"", netip.AddrPort{}, false},
		{"127.0.0.1", netip.AddrPort{}, false},
		{"::1:5", netip.AddrPort{}, false},
		{"localhost:5", netip.AddrPort{}, false},
		{"1.2.3.4:70000", netip.AddrPort{}, false},
		{"[::1:5", netip.AddrPort{}, false},
	} {
		got, err := ParseAddr(c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("ParseAddr(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if !c.ok && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseAddr(%q) = %v, %v; want ErrInvalidArgument", c.in, got, err)
		}
	}
}

func TestFlagStrings(t *testing.T) {
	if s := (MSG_UNORDERED | MSG_EOF | 0x40).String(); s != "MSG_UNORDERED|MSG_EOF|0x40" {
		t.Errorf("SendFlags string %q", s)
	}
	if s := (MSG_NOTIFICATION | MSG_EOR).String(); s != "MSG_NOTIFICATION|MSG_EOR" {
		t.Errorf("RecvFlags string %q", s)
	}
	if MSG_EOF != 512 || MSG_ABORT != 4 || MSG_ADDR_OVER != 2 || MSG_UNORDERED != 1 || MSG_NOTIFICATION != 0x8000 || MSG_EOR != 0x80 {
		t.Error("flag values differ from pysctp's")
	}
	if (&Addr{AddrPort: netip.MustParseAddrPort("[::1]:9"), UDPPort: 9899}).String() != "[::1]:9/udp:9899" {
		t.Error("Addr.String")
	}
}

func TestFamilyAccepts(t *testing.T) {
	v4, v6, mapped := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("::ffff:10.0.0.1")
	if !AF_INET.accepts(v4) || AF_INET.accepts(v6) || !AF_INET.accepts(mapped) || !AF_INET.accepts(netip.Addr{}) {
		t.Error("AF_INET accepts")
	}
	if !AF_INET6.accepts(v4) || !AF_INET6.accepts(v6) || Family(3).accepts(v4) {
		t.Error("AF_INET6 accepts")
	}
}

func TestErrorsMatch(t *testing.T) {
	if !errors.Is(errSocketClosed, net.ErrClosed) || !errors.Is(errSocketClosed, ErrClosed) {
		t.Error("closed error does not match net.ErrClosed and ErrClosed")
	}
	var ne net.Error
	if !errors.Is(errDeadline, os.ErrDeadlineExceeded) || !errors.As(errDeadline, &ne) || !ne.Timeout() {
		t.Error("deadline error")
	}
	ab := &AbortError{ByPeer: true, Cause: 12, Reason: "bye"}
	ce := &connectError{cause: ab}
	if !errors.Is(ce, ErrConnectFailed) || !errors.Is(ce, ErrAborted) || ce.Timeout() {
		t.Errorf("connectError with abort cause: %v", ce)
	}
	silent := &connectError{silent: true, cause: ErrAssociationFailed}
	if !errors.Is(silent, ErrConnectFailed) || !errors.Is(silent, ErrAssociationFailed) || !errors.As(error(silent), &ne) || !ne.Timeout() {
		t.Errorf("silent connectError: %v", silent)
	}
	sb := &ShortBufferError{Need: 10, Have: 4}
	if !errors.Is(sb, io.ErrShortBuffer) {
		t.Error("ShortBufferError")
	}
	oe := opError("read", nil, nil, errDeadline)
	if !errors.Is(oe, os.ErrDeadlineExceeded) || !errors.As(oe, &ne) || !ne.Timeout() {
		t.Errorf("opError %v", oe)
	}
	if opError("read", nil, nil, oe) != oe {
		t.Error("opError wraps twice")
	}
	if !errors.Is(invalidArg("x %d", 1), ErrInvalidArgument) {
		t.Error("invalidArg")
	}
}

// TestDeadline runs in a synctest bubble: its windows (a deadline 20 ms
// ahead extended before it fires, 50 ms of not firing) are virtual time,
// independent of how loaded the machine is.
func TestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var d ioDeadline
		ch := d.wait()
		select {
		case <-ch:
			t.Fatal("fired without a deadline")
		default:
		}
		// Set while a waiter holds the channel: it fires.
		d.set(time.Now().Add(5 * time.Millisecond))
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("deadline set after wait() never fired")
		}
		if !d.expired() {
			t.Error("expired() false after firing")
		}
		// A past deadline fires at once; a new future one gives a fresh channel.
		d.set(time.Now().Add(-time.Second))
		select {
		case <-d.wait():
		default:
			t.Fatal("past deadline not fired")
		}
		d.set(time.Now().Add(time.Hour))
		ch = d.wait()
		// Moving it earlier while waited on fires the same channel.
		d.set(time.Now().Add(time.Millisecond))
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("deadline moved earlier did not fire")
		}
		// Extending before it fires keeps waiters waiting.
		d.set(time.Now().Add(20 * time.Millisecond))
		ch = d.wait()
		d.set(time.Now().Add(time.Hour))
		select {
		case <-ch:
			t.Fatal("extended deadline fired")
		case <-time.After(50 * time.Millisecond):
		}
		d.set(time.Time{})
		if d.expired() {
			t.Error("cleared deadline expired")
		}
		d.stop()
	})
}

func TestRecvQueue(t *testing.T) {
	q := newRecvQueue(100)
	if _, _, ok := q.pop(10); ok {
		t.Fatal("pop from empty queue")
	}
	if !q.tryPush(delivery{assoc: 1, msg: make([]byte, 80)}) {
		t.Fatal("first push refused")
	}
	if q.tryPush(delivery{assoc: 2, msg: make([]byte, 30)}) {
		t.Fatal("push above the limit accepted")
	}
	if q.tryPush(delivery{assoc: 2, ev: SenderDry{ID: 2}}) {
		t.Fatal("droppable notification accepted above the limit")
	}
	if !q.tryPush(delivery{assoc: 2, ev: AssocChange{ID: 2, State: CommLost}}) {
		t.Fatal("state-change notification refused")
	}
	select {
	case <-q.ready():
	default:
		t.Fatal("ready not signalled")
	}
	// Partial reads: 30 + 30 + 20, EOR on the last.
	for i, want := range []int{30, 30, 20} {
		it, eor, ok := q.pop(30)
		if !ok || len(it.msg) != want || eor != (i == 2) {
			t.Fatalf("piece %d: %d bytes eor %v ok %v", i, len(it.msg), eor, ok)
		}
	}
	if n, isData, ok := q.frontLen(); !ok || isData || n != 0 {
		t.Fatalf("frontLen = %d %v %v, want the notification", n, isData, ok)
	}
	if !q.tryPush(delivery{assoc: 2, msg: make([]byte, 30)}) || !q.tryPush(delivery{assoc: 1, msg: []byte("x")}) {
		t.Fatal("push after draining refused")
	}
	got := q.take(2)
	if len(got) != 2 || got[0].ev == nil || len(got[1].msg) != 30 || q.len() != 1 {
		t.Fatalf("take(2) = %d items, %d left", len(got), q.len())
	}
	it, eor, ok := q.pop(-1)
	if !ok || !eor || string(it.msg) != "x" || it.assoc != 1 {
		t.Fatalf("pop = %+v %v %v", it, eor, ok)
	}
	// A message larger than the limit is accepted into an empty queue.
	if !q.tryPush(delivery{msg: make([]byte, 500)}) {
		t.Fatal("large message refused by an empty queue")
	}
}

// startProducers starts n goroutines; goroutine g calls step(g, i) for i
// from 0 to per-1 and stops early when step returns false. The returned
// group waits for them all.
func startProducers(n, per int, step func(g, i int) bool) *sync.WaitGroup {
	wg := new(sync.WaitGroup)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if !step(g, i) {
					return
				}
			}
		}(g)
	}
	return wg
}

// TestRecvQueueConcurrent: producers blocked on space and consumers on
// ready make progress together; every item arrives once, in order per
// producer.
func TestRecvQueueConcurrent(t *testing.T) {
	q := newRecvQueue(64)
	const producers, per = 4, 500
	wg := startProducers(producers, per, func(p, i int) bool {
		it := delivery{assoc: AssocID(p), msg: []byte{byte(i), byte(i >> 8), 0, 0, 0, 0, 0, 0, 0, 0}}
		for !q.tryPush(it) {
			<-q.space()
		}
		return true
	})
	next := make([]int, producers)
	timeout := time.After(10 * time.Second)
	for n := 0; n < producers*per; {
		it, _, ok := q.pop(-1)
		if !ok {
			select {
			case <-q.ready():
			case <-timeout:
				t.Fatalf("stuck after %d items", n)
			}
			continue
		}
		i := int(it.msg[0]) | int(it.msg[1])<<8
		if i != next[it.assoc] {
			t.Fatalf("producer %d: got %d, want %d", it.assoc, i, next[it.assoc])
		}
		next[it.assoc]++
		n++
	}
	wg.Wait()
}

func TestAbortErrorFrom(t *testing.T) {
	causes := chunk.AppendCause(nil, chunk.CauseUserInitiatedAbort, []byte("going\x00away"))
	causes = chunk.AppendCause(causes, chunk.CauseProtocolViolation, []byte("x"))
	err := abortErrorFrom(causes, ErrAborted)
	var ae *AbortError
	if !errors.Is(err, ErrAborted) || !errors.As(err, &ae) || ae.Cause != 12 || ae.Reason != "going?away" || !ae.ByPeer {
		t.Fatalf("abortErrorFrom = %v (%+v)", err, ae)
	}
	if s := err.Error(); s != "sctp: association aborted by peer (cause 12): going?away" {
		t.Errorf("Error() = %q", s)
	}
	// Garbage causes never panic.
	if err := abortErrorFrom([]byte{0, 1, 0xff}, ErrAborted); !errors.Is(err, ErrAborted) {
		t.Errorf("garbage causes: %v", err)
	}
	if !isSilentFailure(fmt.Errorf("x: %w", ErrAssociationFailed)) || isSilentFailure(err) {
		t.Error("isSilentFailure")
	}
	// The engine's send errors are the API's sentinels, with the numbers
	// and one "sctp:" prefix.
	d := newTestDataState(testDataConfig(), dataT0)
	for _, c := range []struct {
		m    outMessage
		want error
	}{
		{outMessage{stream: 16, data: []byte{1}}, ErrInvalidStream},
		{outMessage{data: make([]byte, 256<<10+1)}, ErrMessageTooLarge},
	} {
		if err := d.enqueue(dataT0, c.m); !errors.Is(err, c.want) || strings.Count(err.Error(), "sctp:") != 1 {
			t.Errorf("enqueue(%d bytes, stream %d) = %v, want %v", len(c.m.data), c.m.stream, err, c.want)
		}
	}
}

// TestRecvQueuePushAll: a batch is taken from the front exactly as
// tryPush would take its items one by one (the first always, then while
// under the limit), in order, with one ready signal.
func TestRecvQueuePushAll(t *testing.T) {
	q := newRecvQueue(100)
	batch := []delivery{
		{assoc: 1, msg: make([]byte, 60)},
		{assoc: 1, msg: make([]byte, 30)},
		{assoc: 1, msg: make([]byte, 20)}, // 110 > 100: refused, and all after it
		{assoc: 1, msg: make([]byte, 1)},
	}
	if n := q.tryPushAll(batch); n != 2 {
		t.Fatalf("tryPushAll took %d of 4, want 2 (the limit after 60 + 30)", n)
	}
	select {
	case <-q.ready():
	default:
		t.Fatal("ready not signalled")
	}
	for i, want := range []int{60, 30} {
		it, _, ok := q.pop(-1)
		if !ok || len(it.msg) != want {
			t.Fatalf("item %d: %d bytes, ok %v; want %d", i, len(it.msg), ok, want)
		}
	}
	if n := q.tryPushAll(batch[2:]); n != 2 || q.len() != 2 {
		t.Fatalf("tryPushAll of the rest into an empty queue took %d (len %d), want 2", n, q.len())
	}
	big := []delivery{{assoc: 1, msg: make([]byte, 500)}}
	q2 := newRecvQueue(100)
	if n := q2.tryPushAll(big); n != 1 {
		t.Fatal("an empty queue refused a message above its limit (tryPush takes it)")
	}
	if n := q2.tryPushAll(nil); n != 0 {
		t.Fatalf("empty batch: %d", n)
	}
}

// TestSendsNeedWake: a send request queued without a wake-up needs the
// loop goroutine only when its association has no backlog left to carry it
// (queueSend, passLocked).
func TestSendsNeedWake(t *testing.T) {
	r := &runner{}
	h := &assocHandle{r: r}
	if r.sendsNeedWake() {
		t.Fatal("no requests: wake")
	}
	h.sBacklog.Store(true)
	r.queueSend(h)
	if r.sendsNeedWake() {
		t.Fatal("request of an association with a backlog: wake")
	}
	h.sBacklog.Store(false)
	if !r.sendsNeedWake() {
		t.Fatal("request of an association whose backlog ended: no wake")
	}
}
