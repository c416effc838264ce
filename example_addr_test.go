package sctp_test

import (
	"fmt"

	"github.com/usctp/sctp"
)

// Every address the package prints parses back: IP, SCTP port and, after
// "/udp:", the UDP encapsulation port (RFC 6951). Dial accepts the same
// form, so Dial(ln.Addr().Network(), ln.Addr().String()) reaches a
// Listener on any UDP port; an empty host is the local host.
func ExampleParseSCTPAddr() {
	a, err := sctp.ParseSCTPAddr("127.0.0.1:5000/udp:9899")
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Addr(), a.Port(), a.UDPPort, a)
	w, _ := sctp.ParseSCTPAddr(":36413")
	fmt.Println(w.Addr().IsValid(), w)
	_, err = sctp.ParseSCTPAddr("localhost:abc")
	fmt.Println(err)
	// Output:
	// 127.0.0.1 5000 9899 127.0.0.1:5000/udp:9899
	// false :36413
	// sctp: invalid argument: address "localhost:abc": port "abc" is not a number 0..65535
}
