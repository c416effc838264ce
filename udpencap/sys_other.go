//go:build !linux

package udpencap

import "net"

// sysConn is the batch fast path; on this OS there is none and Conn uses the
// portable ReadFromUDPAddrPort / WriteToUDPAddrPort loop.
type sysConn struct{}

func newSysConn(*net.UDPConn, *config, *counters) (*sysConn, error) { return nil, nil }

func (*sysConn) capabilities() Capabilities           { return Capabilities{} }
func (*sysConn) readBatch(ms []Message) (int, error)  { panic("BUG: no batch path on this OS") }
func (*sysConn) writeBatch(ms []Message) (int, error) { panic("BUG: no batch path on this OS") }
