package sctp

// Accept-queue push-back (the engine's half; the runtime's is in
// runtime.go's acceptQueue).
//
// A listener's accept queue is bounded (the backlog). When it is full, a
// valid COOKIE ECHO that would create a new association is discarded
// before any state exists, as the stateless cookie design of RFC 9260
// §5.1.3 allows (the listener holds nothing for the peer until then): the
// peer's T1-cookie timer retransmits the COOKIE ECHO (§5.1 C, §6.3.3 with
// backoff) and it gets in once the application has accepted enough
// associations to make room. Linux does the same (it drops the COOKIE
// ECHO while sk_acceptq_is_full). Refusing it with an ABORT instead would
// fail a burst of clients that only had to wait.
//
// The runtime tells the engine how much room each listening port's queue
// has (setAcceptRoom, after listen and whenever Accept takes an
// association); the engine spends one unit per association it creates for
// that port. A port the runtime never set (engine-only use, tests) has no
// limit.

// acceptRoomFor reports whether a new association may be created for the
// listening port: no limit set, or room left.
func (e *endpoint) acceptRoomFor(port uint16) bool {
	n, ok := e.acceptRoom[port]
	return !ok || n > 0
}

// takeAcceptRoom spends one unit of the port's room (a new association was
// handed to the accept queue).
func (e *endpoint) takeAcceptRoom(port uint16) {
	if n, ok := e.acceptRoom[port]; ok && n > 0 {
		e.acceptRoom[port] = n - 1
	}
}

// setAcceptRoom sets how many more associations the port's accept queue
// takes; n < 0 removes the limit (the port stopped listening).
func (e *endpoint) setAcceptRoom(port uint16, n int) {
	if n < 0 {
		delete(e.acceptRoom, port)
		return
	}
	if e.acceptRoom == nil {
		e.acceptRoom = make(map[uint16]int)
	}
	e.acceptRoom[port] = n
}

// addAcceptRoom gives n units back to a port with a limit (Accept took n
// associations off its queue).
func (e *endpoint) addAcceptRoom(port uint16, n int) {
	if cur, ok := e.acceptRoom[port]; ok {
		e.acceptRoom[port] = cur + n
	}
}
