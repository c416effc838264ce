// Command usrsctp-reconf is a test-only peer for usctp's RFC 6525 interop
// test (interop_reconfig_test.go in the root package): a usrsctp server
// (Debian's libusrsctp-dev through cgo) that accepts one association with
// every SCTP_ENABLE_STREAM_RESET flag set, prints each received message
// and each stream reset / association reset / stream change notification
// as one line on stdout, and runs the commands it is sent on stream 0:
//
//	reset-out:SID   SCTP_RESET_STREAMS, outgoing, stream SID
//	reset-in:SID    SCTP_RESET_STREAMS, incoming, stream SID
//	add-out:N       SCTP_ADD_STREAMS, N outgoing streams
//	reset-assoc     SCTP_RESET_ASSOC
//	send:SID:TEXT   send TEXT on stream SID
//	bigsmall:N      send N bytes (byte i is i%251) on stream 1, then "small" on stream 2
//	quit            close and exit
//
// With -idata the socket offers I-DATA (RFC 8260 §4.3.1: SCTP_FRAGMENT_INTERLEAVE
// 2 plus SCTP_INTERLEAVING_SUPPORTED, 0x1206, which usrsctp.h lacks) and uses
// the round robin stream scheduler, so its messages on different streams
// interleave. Messages are joined per stream until MSG_EOR (with fragment
// interleave level 2 parts of messages on different streams may alternate).
//
// Output lines: "READY", "IDATA on|off" (after accept, from SCTP_INTERLEAVING_SUPPORTED
// of the association), "DATA sid ssn text" (messages up to 100 bytes),
// "BIG sid len ok|bad" (longer ones, checked against the i%251 pattern),
// "STREAM_RESET flags=0x.. streams=a,b", "ASSOC_RESET flags=0x.. local=.. remote=..",
// "STREAM_CHANGE flags=0x.. in=.. out=..", "CMD name rc=N".
//
//	usrsctp-reconf -local-udp N -sctp-port P [-idata]
package main

/*
#cgo LDFLAGS: -lusrsctp -lpthread
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <usrsctp.h>

// SCTP_INTERLEAVING_SUPPORTED (RFC 8260 §4.3.1): usrsctp 0.9.5 knows it,
// its public header does not define it.
#define RC_INTERLEAVING_SUPPORTED 0x1206

static int rc_idata(struct socket *s) {
	int level = 2;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level, sizeof(level)) < 0) return -errno;
	struct sctp_assoc_value av;
	memset(&av, 0, sizeof(av));
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = 1;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, RC_INTERLEAVING_SUPPORTED, &av, sizeof(av)) < 0) return -errno;
	av.assoc_value = SCTP_SS_ROUND_ROBIN;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &av, sizeof(av)) < 0) return -errno;
	return 0;
}

static int rc_idata_on(struct socket *c) {
	struct sctp_assoc_value av;
	socklen_t len = sizeof(av);
	memset(&av, 0, sizeof(av));
	if (usrsctp_getsockopt(c, IPPROTO_SCTP, RC_INTERLEAVING_SUPPORTED, &av, &len) < 0) return -errno;
	av.assoc_id = 0;
	av.assoc_value = SCTP_SS_ROUND_ROBIN;
	usrsctp_setsockopt(c, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &av, sizeof(av));
	return (int)av.assoc_value;
}

static struct socket *rc_listen(uint16_t local_udp, uint16_t sctp_port, int idata) {
	usrsctp_init(local_udp, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (s == NULL) return NULL;
	struct sctp_assoc_value av;
	memset(&av, 0, sizeof(av));
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_RESET_ASSOC_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av)) < 0) return NULL;
	uint16_t types[] = {SCTP_STREAM_RESET_EVENT, SCTP_ASSOC_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT};
	for (int i = 0; i < 3; i++) {
		struct sctp_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.se_assoc_id = SCTP_FUTURE_ASSOC;
		ev.se_type = types[i];
		ev.se_on = 1;
		if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0) return NULL;
	}
	int on = 1;
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	if (idata && rc_idata(s) < 0) return NULL;
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(sctp_port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (usrsctp_bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) return NULL;
	if (usrsctp_listen(s, 1) < 0) return NULL;
	return s;
}

static struct socket *rc_accept(struct socket *l) {
	struct socket *c = usrsctp_accept(l, NULL, NULL);
	if (c != NULL) {
		int on = 1;
		usrsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
		usrsctp_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	}
	return c;
}

// rc_recv reads one item: returns its length, sets *notif, *sid, *ssn,
// *eor (the end of a message).
static int rc_recv(struct socket *s, char *buf, int len, int *notif, int *sid, int *ssn, int *eor) {
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	struct sctp_rcvinfo ri;
	socklen_t infolen = sizeof(ri);
	unsigned int infotype = 0;
	int flags = 0;
	memset(&ri, 0, sizeof(ri));
	ssize_t n = usrsctp_recvv(s, buf, len, (struct sockaddr *)&from, &fromlen, &ri, &infolen, &infotype, &flags);
	*notif = (flags & MSG_NOTIFICATION) != 0;
	*eor = (flags & MSG_EOR) != 0;
	*sid = ri.rcv_sid;
	*ssn = ri.rcv_ssn;
	return (int)n;
}

static void rc_print_notif(char *buf, int n) {
	union sctp_notification *sn = (union sctp_notification *)buf;
	switch (sn->sn_header.sn_type) {
	case SCTP_STREAM_RESET_EVENT: {
		struct sctp_stream_reset_event *e = &sn->sn_strreset_event;
		int k = (int)(e->strreset_length - sizeof(*e)) / 2;
		printf("STREAM_RESET flags=0x%x streams=", e->strreset_flags);
		for (int i = 0; i < k; i++) printf(i ? ",%u" : "%u", e->strreset_stream_list[i]);
		printf("\n");
		break;
	}
	case SCTP_ASSOC_RESET_EVENT: {
		struct sctp_assoc_reset_event *e = &sn->sn_assocreset_event;
		printf("ASSOC_RESET flags=0x%x local=%u remote=%u\n", e->assocreset_flags, e->assocreset_local_tsn, e->assocreset_remote_tsn);
		break;
	}
	case SCTP_STREAM_CHANGE_EVENT: {
		struct sctp_stream_change_event *e = &sn->sn_strchange_event;
		printf("STREAM_CHANGE flags=0x%x in=%u out=%u\n", e->strchange_flags, e->strchange_instrms, e->strchange_outstrms);
		break;
	}
	default:
		printf("NOTIFICATION type=0x%x\n", sn->sn_header.sn_type);
	}
	fflush(stdout);
}

static int rc_reset(struct socket *s, uint16_t flags, uint16_t sid) {
	size_t len = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
	struct sctp_reset_streams *r = calloc(1, len);
	r->srs_flags = flags;
	r->srs_number_streams = 1;
	r->srs_stream_list[0] = sid;
	int rc = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)len);
	free(r);
	return rc < 0 ? -errno : 0;
}

static int rc_add_out(struct socket *s, uint16_t n) {
	struct sctp_add_streams a;
	memset(&a, 0, sizeof(a));
	a.sas_outstrms = n;
	return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ADD_STREAMS, &a, sizeof(a)) < 0 ? -errno : 0;
}

static int rc_reset_assoc(struct socket *s) {
	sctp_assoc_t id = 0;
	return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RESET_ASSOC, &id, sizeof(id)) < 0 ? -errno : 0;
}

static int rc_bigsmall(struct socket *s, int n) {
	char *b = malloc(n);
	for (int i = 0; i < n; i++) b[i] = (char)(i % 251);
	struct sctp_sndinfo si;
	memset(&si, 0, sizeof(si));
	si.snd_sid = 1;
	si.snd_ppid = htonl(53);
	ssize_t rc = usrsctp_sendv(s, b, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
	free(b);
	if (rc < 0) return -errno;
	si.snd_sid = 2;
	si.snd_ppid = htonl(51);
	return usrsctp_sendv(s, "small", 5, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0 ? -errno : 0;
}

static int rc_send(struct socket *s, uint16_t sid, char *buf, int n) {
	struct sctp_sndinfo si;
	memset(&si, 0, sizeof(si));
	si.snd_sid = sid;
	si.snd_ppid = htonl(51);
	return usrsctp_sendv(s, buf, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0 ? -errno : 0;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

func main() {
	local := flag.Int("local-udp", 9899, "local UDP encapsulation port")
	port := flag.Int("sctp-port", 5001, "SCTP port to listen on")
	idata := flag.Bool("idata", false, "offer I-DATA (RFC 8260) and schedule streams round robin")
	flag.Parse()
	on := C.int(0)
	if *idata {
		on = 1
	}
	l := C.rc_listen(C.uint16_t(*local), C.uint16_t(*port), on)
	if l == nil {
		fmt.Fprintln(os.Stderr, "listen failed")
		os.Exit(1)
	}
	fmt.Println("READY")
	c := C.rc_accept(l)
	if c == nil {
		fmt.Fprintln(os.Stderr, "accept failed")
		os.Exit(1)
	}
	if *idata {
		state := "off"
		if C.rc_idata_on(c) > 0 {
			state = "on"
		}
		fmt.Println("IDATA", state)
	}
	buf := (*C.char)(C.malloc(65536))
	parts := map[C.int][]byte{} // per stream: parts of a message until MSG_EOR
	for {
		var notif, sid, ssn, eor C.int
		n := C.rc_recv(c, buf, 65536, &notif, &sid, &ssn, &eor)
		if n <= 0 {
			fmt.Println("EOF")
			return
		}
		if notif != 0 {
			C.rc_print_notif(buf, n)
			continue
		}
		parts[sid] = append(parts[sid], C.GoBytes(unsafe.Pointer(buf), n)...)
		if eor == 0 {
			continue
		}
		msg := parts[sid]
		delete(parts, sid)
		if len(msg) > 100 {
			ok := "ok"
			for i, b := range msg {
				if b != byte(i%251) {
					ok = "bad"
					break
				}
			}
			fmt.Printf("BIG %d %d %s\n", sid, len(msg), ok)
			continue
		}
		text := string(msg)
		fmt.Printf("DATA %d %d %s\n", sid, ssn, text)
		if sid != 0 {
			continue
		}
		name, arg, _ := strings.Cut(text, ":")
		var rc C.int
		switch name {
		case "reset-out", "reset-in":
			v, _ := strconv.Atoi(arg)
			flags := C.uint16_t(C.SCTP_STREAM_RESET_OUTGOING)
			if name == "reset-in" {
				flags = C.SCTP_STREAM_RESET_INCOMING
			}
			rc = C.rc_reset(c, flags, C.uint16_t(v))
		case "add-out":
			v, _ := strconv.Atoi(arg)
			rc = C.rc_add_out(c, C.uint16_t(v))
		case "reset-assoc":
			rc = C.rc_reset_assoc(c)
		case "bigsmall":
			v, _ := strconv.Atoi(arg)
			rc = C.rc_bigsmall(c, C.int(v))
		case "send":
			s, msg, _ := strings.Cut(arg, ":")
			v, _ := strconv.Atoi(s)
			cs := C.CString(msg)
			rc = C.rc_send(c, C.uint16_t(v), cs, C.int(len(msg)))
			C.free(unsafe.Pointer(cs))
		case "quit":
			C.usrsctp_close(c)
			return
		default:
			continue
		}
		fmt.Printf("CMD %s rc=%d\n", name, rc)
	}
}
