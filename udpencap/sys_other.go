//go:build !linux

package udpencap

import (
	"net"
	"time"
)

// sysConn is the batch fast path; on this OS there is none and Conn uses the
// portable ReadFromUDPAddrPort / WriteToUDPAddrPort loop.
type sysConn struct{}

func newSysConn(*net.UDPConn, *config, *counters) (*sysConn, error) { return nil, nil }

func (*sysConn) capabilities() Capabilities           { return Capabilities{} }
func (*sysConn) readBatch(ms []Message) (int, error)  { panic("BUG: no batch path on this OS") }
func (*sysConn) writeBatch(ms []Message) (int, error) { panic("BUG: no batch path on this OS") }

// threadConn: waiting in the caller's thread is Linux only
// (threadwait_linux.go); Listen never makes one here.
type threadConn struct{}

func (*threadConn) setReadDeadline(time.Time) {}
func (*threadConn) close()                    {}

func (*Conn) startThreadWait() {}
