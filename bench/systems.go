package main

func allSystems() []system {
	return []system{
		{name: "usctp", run: usctpRunner(usctpConfig{})},
		// Issue 16: every API, in this process and as two processes.
		{name: "usctp-Conn", run: usctpAPIRunner("conn")},
		{name: "usctp-SocketTCP", run: usctpAPIRunner("tcp")},
		{name: "usctp-SocketTCP-into", run: usctpAPIRunner("tcp-into")},
		{name: "usctp-SocketUDP-into", run: usctpAPIRunner("udp-into")},
		{name: "usctp-2p-Conn", run: usctpProcRunner("conn")},
		{name: "usctp-2p-Conn-baseline", run: usctpProcBaselineRunner},
		{name: "usctp-2p-SocketTCP", run: usctpProcRunner("tcp")},
		{name: "usctp-2p-SocketTCP-into", run: usctpProcRunner("tcp-into")},
		{name: "usctp-2p-SocketUDP-into", run: usctpProcRunner("udp-into")},
		{name: "udp-mmsg-2p", run: usctpProcRunner("udp-mmsg"), throughputOnly: true},
		{name: "udp-2p", run: usctpProcRunner("udp"), pingpongOnly: true},
		{name: "sctpcat-2p", run: sctpcatRunner, throughputOnly: true},
		{name: "sctpcat-2p-baseline", run: sctpcatBaselineRunner, throughputOnly: true},
		{name: "usctp-4MiB", run: usctpRunner(usctpConfig{sndBuf: 4 << 20, rcvBuf: 4 << 20}), throughputOnly: true},
		// Issue 14 item 4: PLPMTUD (RFC 8899) with its ceiling at 1500 and
		// at 9000 (the loopback carries 64 KiB).
		{name: "usctp-pmtud1500", run: usctpRunner(usctpConfig{pmtud: true}), throughputOnly: true},
		{name: "usctp-pmtud9000", run: usctpRunner(usctpConfig{mtu: 9000, pmtud: true}), throughputOnly: true},
		{name: "udp-1/syscall", run: rawUDP},
		{name: "udp-mmsg", run: rawUDPBatch(false), throughputOnly: true},
		{name: "udp-gso+gro", run: rawUDPBatch(true), throughputOnly: true},
		{name: "pion", run: pionRunner(0)},
		{name: "pion-mtu1452", run: pionRunner(1452), throughputOnly: true},
		{name: "usrsctp", run: usrsctpBoth(usrsctpRunner(false))},
		{name: "usrsctp-quiet", run: usrsctpRunner(true), throughputOnly: true},
	}
}

// usrsctpBoth runs tsctp for throughput and echo_server plus the cgo peer
// for ping-pong.
func usrsctpBoth(tp func(scenario) result) func(scenario) result {
	return func(s scenario) result {
		if s.pingpong {
			return usrsctpPingPong(s)
		}
		return tp(s)
	}
}
