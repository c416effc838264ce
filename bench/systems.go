package main

func allSystems() []system {
	return []system{
		{name: "udp-1/syscall", run: rawUDP},
		{name: "pion", run: pionRunner(0)},
		{name: "pion-mtu1452", run: pionRunner(1452), throughputOnly: true},
		{name: "usrsctp", run: usrsctpRunner(false), throughputOnly: true},
		{name: "usrsctp-quiet", run: usrsctpRunner(true), throughputOnly: true},
	}
}
