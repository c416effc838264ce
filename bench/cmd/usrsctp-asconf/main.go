// Command usrsctp-asconf is a test-only peer for usctp's RFC 4895 AUTH /
// RFC 5061 ASCONF interop test (interop_asconf_test.go in the root
// package): a usrsctp server (Debian's libusrsctp-dev through cgo) with
// AUTH and ASCONF on that accepts one association, prints its peer address
// changes, authentication events and remote errors as lines on stdout
// (a peer address added is probed at once with a HEARTBEAT), and
// runs the commands it is sent on stream 0:
//
//	peer-primary:IP  SCTP_SET_PEER_PRIMARY_ADDR with our address IP
//	primary          print the primary destination (SCTP_PRIMARY_ADDR)
//	paddrs           print the peer addresses (usrsctp_getpaddrs)
//	send:TEXT        send TEXT back on stream 0
//	quit             close and exit
//
// Output lines: "READY", "DATA text", "PADDR ip state", "AUTH ind key",
// "REMOTE_ERROR cause", "PRIMARY ip", "PADDRS ip,ip", "CMD name rc=N".
//
// With -key, endpoint-pair shared key 1 is set to it and made active.
//
//	usrsctp-asconf -local-udp N -sctp-port P [-key SECRET]
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

static struct socket *ac_listen(uint16_t local_udp, uint16_t sctp_port) {
	usrsctp_init(local_udp, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	usrsctp_sysctl_set_sctp_auth_enable(1);
	usrsctp_sysctl_set_sctp_asconf_enable(1);
	struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (s == NULL) return NULL;
	uint16_t types[] = {SCTP_PEER_ADDR_CHANGE, SCTP_AUTHENTICATION_EVENT, SCTP_REMOTE_ERROR};
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

// ac_key sets endpoint-pair shared key 1 to key and makes it active for
// future associations (SCTP_AUTH_KEY, SCTP_AUTH_ACTIVE_KEY).
static int ac_key(struct socket *s, const char *key) {
	size_t n = strlen(key);
	struct sctp_authkey *k = calloc(1, sizeof(*k) + n);
	k->sca_assoc_id = SCTP_FUTURE_ASSOC;
	k->sca_keynumber = 1;
	k->sca_keylength = (uint16_t)n;
	memcpy(k->sca_key, key, n);
	int rc = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_AUTH_KEY, k, (socklen_t)(sizeof(*k) + n));
	free(k);
	if (rc < 0) return -errno;
	struct sctp_authkeyid id;
	memset(&id, 0, sizeof(id));
	id.scact_assoc_id = SCTP_FUTURE_ASSOC;
	id.scact_keynumber = 1;
	return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_AUTH_ACTIVE_KEY, &id, sizeof(id)) < 0 ? -errno : 0;
}

static struct socket *ac_accept(struct socket *l) {
	struct socket *c = usrsctp_accept(l, NULL, NULL);
	if (c != NULL) {
		int on = 1;
		usrsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
		usrsctp_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	}
	return c;
}

static int ac_recv(struct socket *s, char *buf, int len, int *notif) {
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	struct sctp_rcvinfo ri;
	socklen_t infolen = sizeof(ri);
	unsigned int infotype = 0;
	int flags = 0;
	ssize_t n = usrsctp_recvv(s, buf, len, (struct sockaddr *)&from, &fromlen, &ri, &infolen, &infotype, &flags);
	*notif = (flags & MSG_NOTIFICATION) != 0;
	return (int)n;
}

static void ac_ip(struct sockaddr_storage *ss, char *out, socklen_t n) {
	out[0] = 0;
	if (ss->ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, out, n);
}

// ac_probe readies a freshly added peer address: usrsctp gives an address
// added by ASCONF no remote UDP encapsulation port (it would send raw SCTP
// to it), so the association's port, read from the primary path, is set
// for it (SCTP_REMOTE_UDP_ENCAPS_PORT, RFC 6951 §5.5); then a HEARTBEAT is
// asked for at once (SPP_HB_DEMAND), so it is confirmed without waiting
// for HB.interval.
static void ac_probe(struct socket *s, struct sockaddr_storage *ss) {
	struct sctp_setprim prim;
	memset(&prim, 0, sizeof(prim));
	socklen_t l = sizeof(prim);
	int rc = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &prim, &l);
	struct sctp_udpencaps ue;
	memset(&ue, 0, sizeof(ue));
	memcpy(&ue.sue_address, &prim.ssp_addr, sizeof(prim.ssp_addr));
	l = sizeof(ue);
	if (rc == 0) rc = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, &l);
	uint16_t port = ue.sue_port;
	memset(&ue, 0, sizeof(ue));
	memcpy(&ue.sue_address, ss, sizeof(*ss));
	ue.sue_port = port;
	if (rc == 0) rc = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
	struct sctp_paddrparams pp;
	memset(&pp, 0, sizeof(pp));
	memcpy(&pp.spp_address, ss, sizeof(*ss));
	pp.spp_flags = SPP_HB_DEMAND;
	if (rc == 0) rc = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
	printf("PROBE port=%u rc=%d\n", ntohs(port), rc < 0 ? -errno : 0);
}

static void ac_print_notif(struct socket *s, char *buf) {
	union sctp_notification *sn = (union sctp_notification *)buf;
	char ip[64];
	switch (sn->sn_header.sn_type) {
	case SCTP_PEER_ADDR_CHANGE:
		ac_ip(&sn->sn_paddr_change.spc_aaddr, ip, sizeof(ip));
		printf("PADDR %s %u\n", ip, sn->sn_paddr_change.spc_state);
		if (sn->sn_paddr_change.spc_state == SCTP_ADDR_ADDED) ac_probe(s, &sn->sn_paddr_change.spc_aaddr);
		break;
	case SCTP_AUTHENTICATION_EVENT:
		printf("AUTH %u %u\n", sn->sn_auth_event.auth_indication, sn->sn_auth_event.auth_keynumber);
		break;
	case SCTP_REMOTE_ERROR:
		printf("REMOTE_ERROR %u\n", ntohs(sn->sn_remote_error.sre_error));
		break;
	default:
		printf("NOTIFICATION type=0x%x\n", sn->sn_header.sn_type);
	}
	fflush(stdout);
}

static int ac_peer_primary(struct socket *s, const char *ip) {
	struct sctp_setpeerprim p;
	memset(&p, 0, sizeof(p));
	struct sockaddr_in *a = (struct sockaddr_in *)&p.sspp_addr;
	a->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) return -EINVAL;
	return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &p, sizeof(p)) < 0 ? -errno : 0;
}

static void ac_primary(struct socket *s) {
	struct sctp_setprim p;
	memset(&p, 0, sizeof(p));
	socklen_t l = sizeof(p);
	char ip[64] = "?";
	if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &p, &l) == 0) ac_ip(&p.ssp_addr, ip, sizeof(ip));
	printf("PRIMARY %s\n", ip);
	fflush(stdout);
}

static void ac_paddrs(struct socket *s) {
	struct sockaddr *addrs = NULL;
	int n = usrsctp_getpaddrs(s, 0, &addrs);
	printf("PADDRS ");
	char *p = (char *)addrs;
	for (int i = 0; i < n; i++) {
		struct sockaddr *sa = (struct sockaddr *)p;
		char ip[64] = "?";
		if (sa->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
			p += sizeof(struct sockaddr_in);
		} else {
			p += sizeof(struct sockaddr_in6);
		}
		printf(i ? ",%s" : "%s", ip);
	}
	printf("\n");
	fflush(stdout);
	if (addrs) usrsctp_freepaddrs(addrs);
}

static int ac_send(struct socket *s, char *buf, int n) {
	struct sctp_sndinfo si;
	memset(&si, 0, sizeof(si));
	si.snd_ppid = htonl(51);
	return usrsctp_sendv(s, buf, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0 ? -errno : 0;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"unsafe"
)

func main() {
	local := flag.Int("local-udp", 9899, "local UDP encapsulation port")
	port := flag.Int("sctp-port", 5001, "SCTP port to listen on")
	key := flag.String("key", "", "endpoint-pair shared key 1, made active (empty: the default key 0)")
	flag.Parse()
	l := C.ac_listen(C.uint16_t(*local), C.uint16_t(*port))
	if l == nil {
		fmt.Fprintln(os.Stderr, "listen failed")
		os.Exit(1)
	}
	if *key != "" {
		ck := C.CString(*key)
		rc := C.ac_key(l, ck)
		C.free(unsafe.Pointer(ck))
		if rc != 0 {
			fmt.Fprintln(os.Stderr, "auth key:", rc)
			os.Exit(1)
		}
	}
	fmt.Println("READY")
	c := C.ac_accept(l)
	if c == nil {
		fmt.Fprintln(os.Stderr, "accept failed")
		os.Exit(1)
	}
	buf := (*C.char)(C.malloc(65536))
	for {
		var notif C.int
		n := C.ac_recv(c, buf, 65536, &notif)
		if n <= 0 {
			fmt.Println("EOF")
			return
		}
		if notif != 0 {
			C.ac_print_notif(c, buf)
			continue
		}
		text := C.GoStringN(buf, n)
		fmt.Printf("DATA %s\n", text)
		name, arg, _ := strings.Cut(text, ":")
		var rc C.int
		switch name {
		case "peer-primary":
			cs := C.CString(arg)
			rc = C.ac_peer_primary(c, cs)
			C.free(unsafe.Pointer(cs))
		case "primary":
			C.ac_primary(c)
			continue
		case "paddrs":
			C.ac_paddrs(c)
			continue
		case "send":
			cs := C.CString(arg)
			rc = C.ac_send(c, cs, C.int(len(arg)))
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
