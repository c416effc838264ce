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
//	quit            close and exit
//
// Output lines: "READY", "DATA sid ssn text", "STREAM_RESET flags=0x.. streams=a,b",
// "ASSOC_RESET flags=0x.. local=.. remote=..", "STREAM_CHANGE flags=0x.. in=.. out=..",
// "CMD name rc=N".
//
//	usrsctp-reconf -local-udp N -sctp-port P
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

static struct socket *rc_listen(uint16_t local_udp, uint16_t sctp_port) {
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

// rc_recv reads one item: returns its length, sets *notif, *sid, *ssn.
static int rc_recv(struct socket *s, char *buf, int len, int *notif, int *sid, int *ssn) {
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	struct sctp_rcvinfo ri;
	socklen_t infolen = sizeof(ri);
	unsigned int infotype = 0;
	int flags = 0;
	memset(&ri, 0, sizeof(ri));
	ssize_t n = usrsctp_recvv(s, buf, len, (struct sockaddr *)&from, &fromlen, &ri, &infolen, &infotype, &flags);
	*notif = (flags & MSG_NOTIFICATION) != 0;
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
	flag.Parse()
	l := C.rc_listen(C.uint16_t(*local), C.uint16_t(*port))
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
	buf := (*C.char)(C.malloc(65536))
	for {
		var notif, sid, ssn C.int
		n := C.rc_recv(c, buf, 65536, &notif, &sid, &ssn)
		if n <= 0 {
			fmt.Println("EOF")
			return
		}
		if notif != 0 {
			C.rc_print_notif(buf, n)
			continue
		}
		text := C.GoStringN(buf, n)
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
