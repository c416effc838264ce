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
//     Listen, Accept, Connect, Connectx, SCTPSend, SCTPRecv (and
//     SCTPRecvInto, its allocation-free form into the caller's buffer), Peeloff,
//     GetPaddrs, GetLaddrs, the option getters and setters, and events
//     (SetEvents, notifications returned by SCTPRecv). NewSocketTCP and
//     NewSocketUDP use the process-wide DefaultStack on UDP port 9899 (see
//     "UDP ports" for two programs on one host).
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
//		buf := make([]byte, 64<<10)
//		for {
//			n, err := c.Read(buf) // one whole message
//			if err != nil {
//				return
//			}
//			c.Write(buf[:n]) // one message back
//		}
//	}()
//	c, _ := sctp.Dial(context.Background(), "sctp", "127.0.0.1:5000", nil)
//	c.Write([]byte("hello"))
//
// example_test.go has runnable examples of both APIs (one-to-one and
// one-to-many echo, peeloff, events, telecom PPIDs).
//
// # UDP ports
//
// Every SCTP packet travels in a UDP datagram. A Stack owns one UDP socket
// (StackConfig.LocalAddr; port 9899, the registered port, for
// DefaultStack) and sends to the peer's encapsulation port: the port the
// peer's packets come from once it has spoken, and before that
// StackConfig.RemoteUDPPort (9899 unless set) or
// Socket.SetRemoteUDPEncapsPort (RFC 6951 §5.4). An address written
// "HOST:PORT/udp:N", as Addr.String prints it, names that port too:
// Dial(ln.Addr().Network(), ln.Addr().String()) reaches a Listener on any
// UDP port.
//
// Two programs using the defaults run on one host. DefaultStack binds UDP
// port 9899 and, when another process holds it, a free ephemeral port
// instead (the fallback is taken only then, not always, so that a program
// that listens as well as connects keeps one well-known port, and one that
// started first gets 9899 as before). A client loses nothing by the
// fallback: RFC 6951 lets any local port be the encapsulation port, and
// the peer answers to the port the packets came from (§5.4). A listener
// cannot fall back, since clients look for it at 9899: Listen on a
// fallen-back DefaultStack, and NewStack on a UDP port in use, fail with
// ErrUDPPortInUse and say what to do (stop the process holding the port,
// or give the listener a Stack of its own on another port,
// StackConfig.LocalAddr, and tell clients that port). An empty peer host
// (":5000") is the local host, as with net.Dial and pysctp.
//
// # ICMP
//
// On Linux the stack reads the ICMP errors about its datagrams (IP_RECVERR)
// and acts on those it can tie to an association by the quoted
// verification tag (RFC 9260 Appendix C): a port unreachable means nothing
// listens on the peer's UDP port, and ends the association attempt at once
// (RFC 6951 §5.6) with an error matching ErrPortUnreachable; a Packet Too
// Big lowers the association's packet size, or, with
// StackConfig.PathMTUDiscovery (RFC 8899 PLPMTUD), is a hint the path's
// probes confirm before the size is used. Windows reports a port
// unreachable without the quoted packet (WSAECONNRESET on a read), so it is
// only counted; BSDs and macOS report ICMP errors on connected UDP sockets
// only, which a stack's socket is not. There, and when ICMP is filtered, a
// connect to a dead port ends after Max.Init.Retransmits (RFC 9260
// defaults: about 4 minutes) or at the caller's context deadline, which
// always wins. StackStats.ICMPIn and ICMPIgnored count the reports.
//
// # Logs
//
// Logging goes through pion/logging (StackConfig.LoggerFactory; nil means
// its default factory, configured by environment variables), one scope per
// layer:
//
//   - sctp-engine: at debug, association state changes, T3-rtx expiries
//     and fast retransmits (with RTO, cwnd and ssthresh), RTO changes,
//     cwnd reductions, path state (RFC 9260 §8.2), ABORTs sent and
//     received with their causes, dropped datagrams (short, bad CRC32c,
//     malformed), out-of-the-blue packets and the §8.4 rule applied,
//     rejected and stale State Cookies; at trace, cwnd growth.
//   - sctp-runtime: at trace, every SCTP packet in and out with a summary
//     of its chunks; at debug, ICMP errors.
//   - sctp-api: at debug, stacks, listening sockets, connects and their
//     failures; the DefaultStack's UDP port fallback at warn.
//
// PION_LOG_DEBUG=all turns debug on everywhere, PION_LOG_TRACE=sctp-runtime
// the packet trace only (scope names, comma-separated). Levels are read
// when a Stack starts. A disabled level costs one branch per call site and
// no allocation (logging.go; TestLogOffNoAlloc, BenchmarkConnLogLevels).
//
// # The code, by layer
//
// The file names show the layers; arrows point down only, and each layer
// calls the one below through methods, never its fields.
//
//	API        socket_api.go      StackConfig, Stack, Socket, SocketTCP, SocketUDP: bind, listen,
//	                              connect, send, receive, peeloff, shutdown; the
//	                              per-association record and its pump into the
//	                              socket's receive queue
//	           socket_opts.go     socket options (RFC 6458 §8) and their defaults
//	           socket_paths.go    failover thresholds (SCTP_PEER_ADDR_THLDS, RFC 7829 §7.2)
//	           socket_reconfig.go stream reset and add-streams calls (RFC 6525 §6.3)
//	           socket_prsctp.go   PR-SCTP defaults and abandonment counters (RFC 7496 §4)
//	           socket_pdapi.go    the partial delivery point (RFC 6458 §8.1.21)
//	           socket_sched.go    stream scheduler options (RFC 8260 §4.3.2, §4.3.3)
//	           socket_idata.go    SCTP_FRAGMENT_INTERLEAVE, SCTP_INTERLEAVING_SUPPORTED (RFC 8260 §4.3.1)
//	           socket_types.go    flags, addresses, SndInfo, Received, option values,
//	                              StackStats
//	           socket_auth.go     AUTH and ASCONF on the socket (RFC 4895, RFC 5061):
//	                              keys, SetPeerPrimary, Bindx on a connected socket
//	           socket_events.go   event subscriptions (RFC 6458 §6.2.1)
//	           socket_queue.go    the socket's receive queue (SO_RCVBUF)
//	           socket_deadline.go deadlines of blocking calls
//	           conn.go, listener.go  Dial, Listen, Conn (net.Conn), Listener
//	           errors.go          every error sentinel and error type
//	all layers logging.go         the log scopes (sctp-engine, sctp-runtime, sctp-api),
//	                              levels probed once, the inlined level checks
//	                              and the log helpers of each layer
//	runtime    runtime.go         runner: one UDP socket, a reader goroutine, one
//	                              owner loop and one timer per Stack
//	           runtime_owner.go   the owner lock: the reader, a sender on an idle
//	                              association or the loop runs the pass (latency path)
//	           runtime_direct.go  a message straight to a waiting socket reader
//	           runtime_lease.go   the read lease: a receive about to wait, or a send
//	                              waiting for buffer space, reads the UDP socket
//	                              itself (no hand-off to the reader)
//	           runtime_shard*.go  StackConfig.Shards: endpoints on one UDP port,
//	                              steered by verification tag (SO_REUSEPORT + cBPF)
//	           runtime_assoc.go   assocHandle: an association's queue of messages
//	                              and events, and its pending sends
//	           runtime_seam.go    the only calls from the API into live
//	                              associations (options, status): methods only
//	           runtime_capture.go the pcap tap (StackConfig.Capture)
//	           runtime_packetconn.go  the datagram socket interface and adapter
//	           runtime_icmp.go    ICMP reports from the socket, handed to the engine
//	engine     endpoint.go        the sans-IO endpoint: demultiplexing, stateless
//	(sans-IO)                     INIT answers (§5.1), replies, association table
//	           endpoint_active.go which associations have work or a deadline, so a
//	                              loop pass costs O(active), not O(associations)
//	           endpoint_ootb.go   out-of-the-blue packets (§8.4)
//	           endpoint_cookie.go the State Cookie (§5.1.3), sealed with
//	                              ChaCha20-Poly1305; unrecognized-parameter
//	                              reports bounded to the packet size
//	           endpoint_icmp.go   ICMP errors (Appendix C, RFC 6951 §5.6): port
//	                              unreachable ends the association, Packet Too
//	                              Big lowers its packet size (a PLPMTUD hint)
//	           endpoint_accept.go accept-queue push-back: a COOKIE ECHO is
//	                              discarded while the listener's queue is full
//	           association.go     the TCB: state machine, packet walk, bundling, timers
//	           association_config.go  the association's one config (RFC 9260 §16
//	                              defaults) and the methods the seam calls
//	           association_handshake.go, association_shutdown.go  §5, §9
//	           association_paths.go, association_heartbeat.go  destinations,
//	                              heartbeats, path failure (§8), RFC 7829
//	                              potentially-failed state, where each packet
//	                              goes (§6.4, §6.4.1)
//	           association_data.go the data path (dataState) and its
//	                              per-destination state (destState: RTO, T3-rtx,
//	                              cwnd, flight; §6.3, §7.2)
//	           association_laddrs.go  our side of the paths: source address per
//	                              path, addresses listed in INIT / INIT ACK only
//	                              for two or more bound ones (RFC 6951 §5.7)
//	           association_pmtud.go  path MTU discovery per path (RFC 8899
//	                              PLPMTUD: HEARTBEAT + PAD probes, black holes,
//	                              Packet Too Big as a hint, the ceiling)
//	           association_recv.go the receive side: TSN tracking, SACKs (§6.2)
//	           streams.go         send queues, fragmentation, reassembly (§6.5–6.9)
//	           association_sched.go  per-stream send queues and the stream
//	                              schedulers (RFC 8260 §3: FCFS, RR, RR per
//	                              packet, priority, fair bandwidth, WFQ)
//	           retransmit.go      RTO (§6.3; backoff bound: RTOInfo.MaxBackoff),
//	                              SACK processing, T3-rtx, fast retransmit (§7.2.4)
//	           association_loss.go  RACK-TLP (RFC 8985) adapted to SACKs:
//	                              time-based loss detection (alone once the
//	                              path has reordered), tail loss probes
//	           congestion.go      cwnd and ssthresh (§7.2; in chunk lengths
//	                              and PMDCS units, initial window by family)
//	           association_prsctp.go  PR-SCTP (RFC 3758) and its policies (RFC 7496:
//	                              TTL, limited retransmissions, priority; counters)
//	           association_reconfig.go  stream reconfiguration (RFC 6525): stream
//	                              and SSN/TSN resets, add streams, RE-CONFIG timer
//	           association_auth.go  AUTH (RFC 4895): key vectors, shared keys,
//	                              HMAC-SHA-1/256, signing and verifying
//	           association_asconf.go  ASCONF (RFC 5061): address changes both
//	                              ways, serial numbers, T-4 RTO
//	           association_idata.go  I-DATA and I-FORWARD TSN (RFC 8260): MID/FSN,
//	                              reassembly by MID, interleaving past a partial delivery
//	           association_events.go, association_stats.go  notifications and counters
//	wire       packet.go          common header, bundling rules (§3, §6.10)
//	           crc32c.go          the checksum (§6.8, Appendix B)
//	           chunk/             every chunk, parameter and error cause
//	transport  udpencap/          the UDP socket: batches, GSO/GRO, ICMP errors,
//	                              each datagram's local address (IP_PKTINFO); on
//	                              Linux with GOMAXPROCS > 1 outside the netpoller,
//	                              a receive waits in recvmmsg on the caller's thread
//	leaves     internal/bufpool   the one buffer pool
//	           internal/pcap      the one pcap writer
//	           internal/simnet    the one simulated network, for tests
//	above      capi/              the C ABI (cgo, -buildmode=c-shared) over the exported API
//	           python/            pysctp 0.7.1's sctp and _sctp modules over capi (ctypes)
//
// The engine never reads the clock and never starts a goroutine: every
// state method takes now, and the runtime arms one timer at the earliest
// deadline the engine reports. Tests drive it with a hand-advanced clock,
// the scripted peer (scriptpeer_test.go) and internal/simnet (simnet_test.go
// makes an endpoint a simnet node): an in-memory network with loss, delay,
// reordering, duplication and MTU caps.
package sctp
