//go:build ignore

package sctp

// This file is the only place where the socket API touches the runtime
// endpoint (endpoint.go, branch udp). Everything the API needs from the
// runtime is listed here as a method of rtStack / rtAssoc; each is a thin
// call into the runtime. It is wired when the runtime lands.
//
// Needed from the runtime (function + semantics):
//
//   openRTStack(cfg)          open the UDP socket (network, laddr), start the loop
//   rtStack.localAddr()       bound UDP address (port chosen by the OS if 0)
//   rtStack.close()           abort/shutdown every association, close the socket
//   rtStack.listen(port,cfg,backlog)  accept INITs on SCTP port (re-callable to update cfg)
//   rtStack.unlisten(port)    stop accepting; associations waiting in the accept queue are shut down
//   rtStack.accept(ctx,port)  next established association of port's accept queue
//   rtStack.connect(lport, peers, udpPort, cfg)  send INIT to peers[0] (IP + remote UDP port udpPort,
//                             SCTP port peers[0].Port()); returns at once with the handle
//   rtAssoc.id(), peer()      association id; primary peer IP + SCTP port
//   rtAssoc.next(ctx)         next item of the association IN ORDER: a delivered message (stream, ssn,
//                             ppid, tsn, unordered, data) or an engine Event (AssocChange ... SendFailed);
//                             error (ctx error or "association gone, all delivered") at the end
//   rtAssoc.trySend(m)        enqueue without blocking; errWouldBlock when the send buffer is full
//   rtAssoc.send(ctx, m)      enqueue, blocking until buffer space or ctx end
//   rtAssoc.shutdown()        graceful SHUTDOWN after queued data (RFC 9260 §9.2)
//   rtAssoc.abort(reason)     ABORT with user-initiated cause 12
//   rtAssoc.release()         the socket no longer reads: drop undelivered input after shutdown
//   rtAssoc.stats()           AssocStats (+ UnackData/PendData chunk counts, MTU)
//   rtAssoc.paths()           []PaddrInfo (addr, udp port, state, cwnd, srtt, rto, mtu)
//   rtAssoc.peerAddrs()       peer IP+SCTP port of every path
//   rtAssoc.setPrimary(ip)    choose the primary path
//   rtAssoc.remoteUDPPort(ip) / setRemoteUDPPort(ip, port)  per-path encapsulation port (zero ip: primary/all)
//   rtAssoc.rtoInfo() / setRTOInfo(r)  live RTO bounds
//   rtAssoc.fragmentationPoint(maxseg)  largest DATA payload per packet
