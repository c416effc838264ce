//go:build !linux

package sctp

import "syscall"

// reusePortSteering: no datagram steering among sockets sharing a port
// here; a shard group has one shard (runtime_shard.go).
const reusePortSteering = false

func reusePortControl(first bool, n int) func(network, address string, c syscall.RawConn) error {
	return func(string, string, syscall.RawConn) error { return nil }
}
