// Command usrsctp-pingpong is a benchmark-only peer: a usrsctp client
// (linked with Debian's libusrsctp-dev through cgo) that sends 1-byte
// messages to a usrsctp echo_server over UDP encapsulation and measures
// round trips. It is built by sctpbench at run time; the usctp library
// itself has no cgo.
//
//	usrsctp-pingpong -local-udp N -remote-udp M -t 10s
package main

/*
#cgo LDFLAGS: -lusrsctp -lpthread
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <usrsctp.h>

static struct socket *pp_connect(uint16_t local_udp, uint16_t remote_udp, uint16_t sctp_port) {
	usrsctp_init(local_udp, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (s == NULL) return NULL;
	int on = 1;
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	struct sctp_udpencaps enc;
	memset(&enc, 0, sizeof(enc));
	enc.sue_address.ss_family = AF_INET;
	enc.sue_port = htons(remote_udp);
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0) return NULL;
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(sctp_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (usrsctp_connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) return NULL;
	return s;
}

static int pp_roundtrip(struct socket *s, char *buf) {
	struct sctp_sndinfo si;
	memset(&si, 0, sizeof(si));
	if (usrsctp_sendv(s, buf, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0) return -1;
	for (;;) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo ri;
		socklen_t infolen = sizeof(ri);
		unsigned int infotype = 0;
		int flags = 0;
		char rb[256];
		ssize_t n = usrsctp_recvv(s, rb, sizeof(rb), (struct sockaddr *)&from, &fromlen, &ri, &infolen, &infotype, &flags);
		if (n <= 0) return -1;
		if (!(flags & MSG_NOTIFICATION)) return 0;
	}
}

static void pp_close(struct socket *s) {
	usrsctp_close(s);
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"time"
)

func main() {
	local := flag.Int("local-udp", 0, "local UDP encapsulation port")
	remote := flag.Int("remote-udp", 9899, "echo_server's UDP encapsulation port")
	dur := flag.Duration("t", 10*time.Second, "duration")
	flag.Parse()
	s := C.pp_connect(C.uint16_t(*local), C.uint16_t(*remote), 7)
	if s == nil {
		fmt.Fprintln(os.Stderr, "usrsctp-pingpong: connect failed")
		os.Exit(1)
	}
	buf := (*C.char)(C.malloc(16))
	*buf = 'x'
	var rtts []time.Duration
	start := time.Now()
	for time.Since(start) < *dur {
		t0 := time.Now()
		if C.pp_roundtrip(s, buf) != 0 {
			fmt.Fprintln(os.Stderr, "usrsctp-pingpong: round trip failed")
			os.Exit(1)
		}
		rtts = append(rtts, time.Since(t0))
	}
	elapsed := time.Since(start)
	C.pp_close(s)
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	p := func(q float64) int64 { return rtts[int(q*float64(len(rtts)-1))].Microseconds() }
	// count seconds p50_us p99_us
	fmt.Printf("RESULT %d %.6f %d %d\n", len(rtts), elapsed.Seconds(), p(0.5), p(0.99))
}
