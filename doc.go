// Package sctp is usctp: a userspace SCTP stack (RFC 9260) in pure Go,
// carried over UDP (RFC 6951 UDP encapsulation, port 9899). It runs where
// the kernel has no SCTP — macOS, Windows, containers — and speaks to
// usrsctp, to Linux kernel SCTP with UDP encapsulation, to pion/sctp over
// UDP, and to itself.
//
// # Which API
//
// There are two ways in, over the same engine, and nothing else is
// exported:
//
//   - The pysctp-style API, for code ported from Python's pysctp and for
//     anything that needs the SCTP socket options: a Stack (one UDP socket,
//     any number of SCTP sockets) with SocketTCP (one-to-one) and SocketUDP
//     (one-to-many), and their calls named after pysctp's: Bind, Bindx,
//     Listen, Accept, Connect, Connectx, SCTPSend, SCTPRecv, Peeloff,
//     GetPaddrs, GetLaddrs, the option getters and setters, and events
//     (SetEvents, notifications returned by SCTPRecv). NewSocketTCP and
//     NewSocketUDP use the process-wide DefaultStack on UDP port 9899.
//   - The Go API, for Go programs that want a net.Conn: Dial returns a
//     *Conn (one Write is one message on stream 0; ReadMsg and WriteMsg
//     carry stream, PPID and flags), Listen returns a *Listener. Conn.Socket
//     reaches the socket options of the association.
//
// Every blocking call has a ...Context variant and honours deadlines;
// every error matches a sentinel of errors.go with errors.Is.
//
//	ln, _ := sctp.Listen("sctp", "127.0.0.1:5000", nil)
//	go func() {
//		c, _ := ln.Accept()
//		io.Copy(c, c) // echo, message by message
//	}()
//	c, _ := sctp.Dial(context.Background(), "sctp", "127.0.0.1:5000", nil)
//	c.Write([]byte("hello"))
//
// # UDP ports
//
// Every SCTP packet travels in a UDP datagram. A Stack owns one UDP socket
// (StackConfig.LocalAddr; port 9899, the registered port, for
// DefaultStack) and sends to the peer's encapsulation port: the port the
// peer's packets come from once it has spoken, and before that
// StackConfig.RemoteUDPPort (9899 unless set) or
// Socket.SetRemoteUDPEncapsPort (RFC 6951 §5.4).
//
// # Logs
//
// Logging goes through pion/logging (StackConfig.LoggerFactory; nil means
// its default factory, configured by environment variables):
// PION_LOG_DEBUG=sctp shows association state changes. Disabled levels
// cost nothing on the hot path.
//
// # The code, by layer
//
// Arrows point down only; each layer calls the one below through methods.
//
//	API        socket_api.go     Stack, Socket, SocketTCP, SocketUDP: bind, listen,
//	                             connect, send, receive, peeloff, shutdown
//	           socket_opts.go    socket options (RFC 6458 §8) and their defaults
//	           socket_types.go   flags, addresses, SndInfo, Received, option values
//	           socket_events.go  event subscriptions (RFC 6458 §6.2)
//	           socket_queue.go   the socket's receive queue (SO_RCVBUF)
//	           socket_deadline.go deadlines for blocking calls
//	           conn.go, listener.go  Dial, Listen, Conn (net.Conn), Listener
//	           errors.go         every error sentinel and error type
//	runtime    runtime.go        runner: one UDP socket, a reader goroutine, one
//	                             owner loop and one timer per Stack
//	           runtime_assoc.go  assocHandle: an association's queue of messages
//	                             and events, and its pending sends
//	           runtime_seam.go   the only calls from the API into live
//	                             associations (options, status): methods only
//	engine     endpoint.go       the sans-IO endpoint: demultiplexing, stateless
//	(sans-IO)                    INIT answers, reply queue, scheduling
//	           endpoint_*.go     active-association tracking, out-of-the-blue
//	                             packets (§8.4), the State Cookie (§5.1.3)
//	           association.go    the TCB: state machine, packet walk, timers
//	           association_*.go  handshake (§5), shutdown (§9.2), paths and
//	                             heartbeats (§8), the data path, the receive side
//	                             and SACKs (§6.2), PR-SCTP (RFC 3758), events,
//	                             counters, the association's one config
//	           streams.go        send queues, fragmentation, reassembly (§6.5–6.9)
//	           retransmit.go     RTO (§6.3), SACK processing, T3-rtx, fast
//	                             retransmit (§7.2.4)
//	           congestion.go     cwnd and ssthresh (§7.2)
//	wire       packet.go         common header, bundling rules (§3, §6.10)
//	           crc32c.go         the checksum (§6.8, Appendix B)
//	           chunk/            every chunk, parameter and error cause
//	           udpencap/         the UDP socket: batches, GSO/GRO, ICMP errors
//
// The engine never reads the clock and never starts a goroutine: every
// state method takes now, and the runtime arms one timer at the earliest
// deadline the engine reports. Tests drive it with a hand-advanced clock,
// the scripted peer (scriptpeer_test.go) and internal/simnet, an in-memory
// network with loss, delay, reordering, duplication and MTU caps.
package sctp
