package simnet_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// echoNode answers every datagram with the same bytes.
type echoNode struct {
	out  [][]byte
	to   []netip.AddrPort
	seen int
}

func (e *echoNode) HandleDatagram(now time.Time, from netip.AddrPort, b []byte) {
	e.seen++
	e.out = append(e.out, append([]byte(nil), b...))
	e.to = append(e.to, from)
}
func (e *echoNode) HandleTimeout(time.Time) {}
func (e *echoNode) Deadline() time.Time     { return time.Time{} }
func (e *echoNode) AppendDatagram(_ time.Time, b []byte) ([]byte, netip.AddrPort, bool) {
	if len(e.out) == 0 {
		return b, netip.AddrPort{}, false
	}
	p, to := e.out[0], e.to[0]
	e.out, e.to = e.out[1:], e.to[1:]
	return append(b, p...), to, true
}

// Two nodes on a 20 ms link: the injected datagram bounces until the link
// loses it or the time limit stops the run.
func ExampleSim() {
	a := netip.MustParseAddrPort("10.0.0.1:9899")
	b := netip.MustParseAddrPort("10.0.0.2:9899")
	sim := simnet.NewSim(1)
	sim.SetDefaultLink(simnet.LinkConfig{Delay: 20 * time.Millisecond, Loss: 0.01})
	na, nb := &echoNode{}, &echoNode{}
	sim.AddNode(a, na)
	sim.AddNode(b, nb)
	sim.Inject(a, b, []byte("ping"))
	err := sim.Run(func() bool { return na.seen+nb.seen >= 10 }, time.Minute, 1000)
	fmt.Println(err, sim.Elapsed(), sim.Stats().Delivered)
	// Output: <nil> 200ms 10
}
