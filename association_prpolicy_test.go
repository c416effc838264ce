package sctp

import (
	"errors"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// RFC 7496 policies on the data path, with a hand-advanced clock.

// RFC 7496 §3.1: limited retransmissions. Limit 0 never retransmits, limit
// 1 retransmits once; the abandoned messages are skipped with a FORWARD TSN
// (RFC 3758 §3.5) and counted as sent-then-abandoned per stream and
// association (§4.3); a reliable message is retransmitted as often as
// needed.
func TestPRPolicyRetransmitLimit(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: []byte("rtx0"), prPolicy: SCTP_PR_SCTP_RTX, prValue: 0, context: 10})
	mustEnqueue(t, d, dataT0, outMessage{stream: 2, data: []byte("rtx1"), prPolicy: SCTP_PR_SCTP_RTX, prValue: 1, context: 11})
	mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("reliable")})
	if p := sendAll(t, d, dataT0); len(p) != 3 {
		t.Fatalf("sent %v", tsns(p))
	}
	// Everything lost: T3-rtx.
	now := d.snd.t3
	d.handleTimeout(now)
	s := decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	var got []string
	for _, c := range s.data {
		got = append(got, string(c.UserData))
	}
	if len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1000 || len(got) != 2 || got[0] != "rtx1" || got[1] != "reliable" {
		t.Fatalf("after the first T3: FORWARD TSNs %+v, retransmitted %q; want a FORWARD TSN to 1000 and rtx1, reliable", s.fwds, got)
	}
	if m, ok := d.popAbandoned(); !ok || m.context != 10 {
		t.Fatalf("abandoned %+v %v, want context 10", m, ok)
	}
	now = d.snd.t3
	d.handleTimeout(now)
	s = decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	if len(s.data) != 1 || string(s.data[0].UserData) != "reliable" || len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1001 {
		t.Fatalf("after the second T3: %d DATA, FORWARD TSNs %+v; want reliable alone and a FORWARD TSN to 1001", len(s.data), s.fwds)
	}
	if m, ok := d.popAbandoned(); !ok || m.context != 11 {
		t.Fatalf("abandoned %+v %v, want context 11", m, ok)
	}
	if u, sn := d.prStatus(SCTP_PR_SCTP_RTX, -1); u != 0 || sn != 2 {
		t.Fatalf("association RTX counters unsent %d sent %d, want 0, 2", u, sn)
	}
	if u, sn := d.prStatus(SCTP_PR_SCTP_ALL, 2); u != 0 || sn != 1 {
		t.Fatalf("stream 2 counters unsent %d sent %d, want 0, 1", u, sn)
	}
	if u, sn := d.prStatus(SCTP_PR_SCTP_TTL, -1); u != 0 || sn != 0 {
		t.Fatalf("TTL counters %d %d", u, sn)
	}
	if d.pr.rtxLive != 0 {
		t.Fatalf("rtxLive %d after both RTX messages ended", d.pr.rtxLive)
	}
}

// RFC 7496 §3.1 with fast retransmit (RFC 9260 §7.2.4): the limit applies
// to every retransmission, not only T3-rtx.
func TestPRPolicyRetransmitLimitFastRetransmit(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: []byte("lost"), prPolicy: SCTP_PR_SCTP_RTX})
	for range 4 {
		mustEnqueue(t, d, dataT0, outMessage{stream: 2, data: []byte("x")})
	}
	sendAll(t, d, dataT0)
	// TSN 1000 missing, 1001.. gap-acked: three miss indications.
	for i := uint16(1); i <= 3; i++ {
		mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 1 + i})
	}
	s := decodeSent(t, d.appendData(dataT0, nil, packetRoom(d)))
	if len(s.data) != 0 || len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1000 {
		t.Fatalf("fast retransmit of an RTX-0 message: %d DATA, FORWARD TSNs %+v", len(s.data), s.fwds)
	}
}

// RFC 7496 §3.2: priority. With the send buffer full, a message of a higher
// priority (lower value) evicts queued, never-sent messages of lower
// priority, the lowest first; one of lower or equal priority gets "buffer
// full". Evicted messages count as abandoned unsent.
func TestPRPolicyPriorityEvicts(t *testing.T) {
	c := prConfig()
	c.sndBuf = 8 * (1000 + sendMsgOverhead)
	d := newTestDataState(c, dataT0)
	for i := range 8 {
		prio := uint32(5)
		if i == 3 {
			prio = 9
		}
		mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: make([]byte, 1000), prPolicy: SCTP_PR_SCTP_PRIO, prValue: prio, context: uint32(i)})
	}
	if err := d.enqueue(dataT0, outMessage{stream: 1, data: make([]byte, 1000), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 9}); !errors.Is(err, errSendBufferFull) {
		t.Fatalf("the lowest priority into a full buffer: %v, want errSendBufferFull", err)
	}
	if err := d.enqueue(dataT0, outMessage{stream: 1, data: make([]byte, 1000)}); !errors.Is(err, errSendBufferFull) {
		t.Fatalf("reliable message into a full buffer: %v, want errSendBufferFull", err)
	}
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: make([]byte, 1000), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 1, context: 100})
	if m, ok := d.popAbandoned(); !ok || m.context != 3 {
		t.Fatalf("evicted %+v %v, want the priority-9 message (context 3)", m, ok)
	}
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: make([]byte, 1000), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 0, context: 101})
	if m, ok := d.popAbandoned(); !ok || m.context != 7 {
		t.Fatalf("evicted %+v %v, want the last priority-5 message (context 7)", m, ok)
	}
	if u, s := d.prStatus(SCTP_PR_SCTP_PRIO, -1); u != 2 || s != 0 {
		t.Fatalf("PRIO counters unsent %d sent %d, want 2, 0", u, s)
	}
	// What is sent: the 6 surviving messages and the 2 new ones, SSNs 0..7.
	var ctxs int
	for round := 0; round < 10 && !d.idle(); round++ {
		p := sendAll(t, d, dataT0)
		for _, ch := range p {
			if ch.SSN != uint16(ctxs) {
				t.Fatalf("SSN %d, want %d (evicted messages take no SSN)", ch.SSN, ctxs)
			}
			ctxs++
		}
		if len(p) > 0 {
			mustSack(t, d, dataT0, p[len(p)-1].TSN, 1<<20)
		}
	}
	if d.snd.queued != 0 {
		t.Fatalf("send buffer charge %d after everything was acknowledged", d.snd.queued)
	}
	if ctxs != 8 {
		t.Fatalf("%d messages sent, want 8", ctxs)
	}
}

// A policy needs PR-SCTP on both sides (RFC 3758 §3.1): to a peer without
// it the send fails with ErrNotSupported rather than going out reliably;
// unknown policies and contradictory settings are invalid arguments.
func TestPRPolicyNeedsPeerSupport(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0) // no PR-SCTP
	for _, p := range []PRPolicy{SCTP_PR_SCTP_RTX, SCTP_PR_SCTP_PRIO, SCTP_PR_SCTP_TTL} {
		err := d.enqueue(dataT0, outMessage{stream: 1, data: []byte("x"), prPolicy: p, prValue: 5})
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("policy %v without PR-SCTP: %v, want ErrNotSupported", p, err)
		}
	}
	pr := newTestDataState(prConfig(), dataT0)
	for _, m := range []outMessage{
		{prPolicy: 7},
		{prPolicy: SCTP_PR_SCTP_ALL},
		{prPolicy: SCTP_PR_SCTP_RTX, ttl: time.Second},
		{prPolicy: SCTP_PR_SCTP_TTL, prValue: 0},
	} {
		m.stream, m.data = 1, []byte("x")
		if err := pr.enqueue(dataT0, m); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v, want ErrInvalidArgument", m, err)
		}
	}
	if d.idle() != true || pr.idle() != true {
		t.Fatal("a refused message was queued")
	}
	// SCTP_PR_SCTP_TTL: the value is in milliseconds.
	mustEnqueue(t, pr, dataT0, outMessage{stream: 1, data: []byte("ttl"), prPolicy: SCTP_PR_SCTP_TTL, prValue: 50})
	if got := sendPacket(t, pr, dataT0.Add(60*time.Millisecond)); len(got) != 0 {
		t.Fatalf("expired TTL message sent: %v", tsns(got))
	}
	if u, _ := pr.prStatus(SCTP_PR_SCTP_TTL, 1); u != 1 {
		t.Fatalf("TTL unsent counter of stream 1: %d", u)
	}
}

// Over a lossy simulated network, messages with SCTP_PR_SCTP_RTX are each
// either delivered exactly once or reported abandoned, never both, and the
// reliable ones interleaved with them all arrive (RFC 7496 §3.1, RFC 3758).
func TestPRPolicyRtxLossyExactlyOnceOrAbandoned(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		pn := newEndpointPair(t, seed, simnet.LinkConfig{Loss: 0.2, Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: 0.05})
		cfg := assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1200, prSCTP: true, maxRetrans: 40, pathMaxRetrans: 40, maxInitRetrans: 40}
		client, server := pn.connect(cfg)
		const n = 300
		sent := 0
		delivered := map[uint32]int{}
		abandoned := map[uint32]bool{}
		unsentAbandoned := map[uint32]bool{}
		both := 0
		reliable := 0
		pn.runFor("transfer", time.Hour, func() bool {
			for sent < n {
				m := outMessage{stream: uint16(sent % 3), ppid: uint32(sent), data: make([]byte, 1+sent%2000), context: uint32(sent)}
				if sent%3 != 0 {
					m.prPolicy, m.prValue = SCTP_PR_SCTP_RTX, uint32(sent%3-1) // 0 or 1 retransmission
				}
				if err := client.send(pn.now(), m); err != nil {
					if errors.Is(err, errSendBufferFull) {
						break
					}
					t.Fatal(err)
				}
				sent++
			}
			for {
				m, ok := server.readMessage()
				if !ok {
					break
				}
				delivered[m.ppid]++
				if m.ppid%3 == 0 {
					reliable++
				}
			}
			for _, ev := range pn.events[1] {
				if sf, ok := ev.(SendFailed); ok {
					if sf.Context%3 == 0 {
						t.Fatalf("seed %d: reliable message %d reported failed: %v", seed, sf.Context, sf.Err)
					}
					if !errors.Is(sf.Err, ErrMessageAbandoned) || abandoned[sf.Context] {
						t.Fatalf("seed %d: message %d: %v (reported before: %v)", seed, sf.Context, sf, abandoned[sf.Context])
					}
					abandoned[sf.Context] = true
					if sf.Unsent {
						unsentAbandoned[sf.Context] = true
					}
				}
			}
			pn.events[1] = pn.events[1][:0]
			return sent == n && client.data.idle() && server.data.rcv.items == 0
		})
		for id, k := range delivered {
			if k != 1 {
				t.Fatalf("seed %d: message %d delivered %d times", seed, id, k)
			}
			// A message abandoned after it was sent may have arrived
			// all the same (its SACK was lost): SCTP_DATA_SENT, RFC 6458
			// §6.1.11. One abandoned before it was sent never arrives.
			if unsentAbandoned[id] {
				t.Fatalf("seed %d: message %d delivered and reported abandoned unsent", seed, id)
			}
			if abandoned[id] {
				both++
			}
		}
		if len(delivered)+len(abandoned)-both != n || reliable != n/3 {
			t.Fatalf("seed %d: %d delivered + %d abandoned of %d, %d of %d reliable delivered", seed, len(delivered), len(abandoned), n, reliable, n/3)
		}
		u, s := client.prStatus(SCTP_PR_SCTP_RTX, -1)
		if int(u+s) != len(abandoned) || len(abandoned) == 0 {
			t.Fatalf("seed %d: counters %d+%d, %d abandoned reported", seed, u, s, len(abandoned))
		}
		if int(u) != len(unsentAbandoned) {
			t.Fatalf("seed %d: unsent counter %d, %d reported unsent", seed, u, len(unsentAbandoned))
		}
		t.Logf("seed %d: %d delivered, %d abandoned (counters unsent %d sent %d), %d of them delivered all the same", seed, len(delivered), len(abandoned), u, s, both)
	}
}

// RFC 3758 §3.1 through the association: a peer whose INIT ACK has no
// Forward-TSN-Supported gets no PR-SCTP message; the send fails with
// ErrNotSupported and nothing goes out.
func TestPRPolicyScriptedPeerWithoutPRSCTP(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	tp.connectHandshake(cfg)
	err := tp.assoc.send(tp.now, outMessage{stream: 1, data: []byte("x"), prPolicy: SCTP_PR_SCTP_RTX})
	if !errors.Is(err, ErrNotSupported) {
		t.Fatalf("send with a policy: %v, want ErrNotSupported", err)
	}
	tp.collect()
	tp.wantIdle()
	// A plain message still goes.
	if d := tp.sendData(outMessage{stream: 1, data: []byte("y")}); string(d.UserData) != "y" {
		t.Fatalf("sent %q", d.UserData)
	}
}

// RFC 5061 §4.2.7: a peer may announce PR-SCTP by listing FORWARD TSN in
// Supported Extensions alone (pion/sctp does); that is PR-SCTP support.
func TestPRPolicyPeerAnnouncesForwardTSNInSupportedExtensions(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	init := tp.startConnect(cfg)
	p, ok := findParam(t, init.Params, chunk.ParamSupportedExtensions)
	var ext chunk.SupportedExtensionsParam
	if !ok || ext.Decode(p) != nil || !ext.Has(chunk.TypeForwardTSN) {
		t.Fatalf("our INIT does not list FORWARD TSN in Supported Extensions: %x", init.Params)
	}
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamSupportedExtensions, []byte{byte(chunk.TypeForwardTSN)}))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	if err := tp.assoc.send(tp.now, outMessage{stream: 1, data: []byte("x"), prPolicy: SCTP_PR_SCTP_RTX}); err != nil {
		t.Fatalf("send with a policy to a peer listing FORWARD TSN: %v", err)
	}
}
