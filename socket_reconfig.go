package sctp

// Stream reconfiguration options (RFC 6525 §6.3; the socket options of
// RFC 6458's companion: SCTP_ENABLE_STREAM_RESET, SCTP_RESET_STREAMS,
// SCTP_RESET_ASSOC, SCTP_ADD_STREAMS). The requests return once queued;
// their outcome arrives as StreamReset, AssocReset and StreamChange
// notifications (subscribe with EventSubscribe.StreamReset, AssocReset,
// StreamChange).

// EnableStreamReset returns the SCTP_ENABLE_STREAM_RESET flags of
// association id (0 on a one-to-many socket, or an unconnected one-to-one
// socket: the defaults for new associations).
func (s *Socket) EnableStreamReset(id AssocID) (uint32, error) {
	s.mu.Lock()
	if id == 0 && (s.style == UDP_STYLE || s.assoc == nil) {
		defer s.mu.Unlock()
		return s.opts.streamReset, nil
	}
	s.mu.Unlock()
	e, err := s.entry(id)
	if err != nil {
		return 0, err
	}
	return e.a.streamResetFlags()
}

// SetEnableStreamReset sets which RE-CONFIG requests of the peer are
// performed (SCTP_ENABLE_STREAM_RESET, RFC 6525 §6.3.2): any of
// SCTP_ENABLE_RESET_STREAM_REQ (the peer may reset streams),
// SCTP_ENABLE_RESET_ASSOC_REQ (SSN/TSN reset) and
// SCTP_ENABLE_CHANGE_ASSOC_REQ (add streams). Requests not enabled are
// answered "Denied"; the default is none, as in RFC 6458 stacks. With id
// 0 it sets the defaults for new associations (and, on a one-to-one
// socket, its association's flags too). Our own requests do not need it.
func (s *Socket) SetEnableStreamReset(id AssocID, flags uint32) error {
	if flags&^sctpEnableStreamResetAllFlags != 0 {
		return invalidArg("stream reset flags %#x: want SCTP_ENABLE_RESET_STREAM_REQ, SCTP_ENABLE_RESET_ASSOC_REQ, SCTP_ENABLE_CHANGE_ASSOC_REQ", flags)
	}
	if id == 0 {
		if err := s.lockOpen(); err != nil {
			return err
		}
		s.opts.streamReset = flags
		err := s.relistenLocked()
		oneToOne := s.style == TCP_STYLE && s.assoc != nil
		s.mu.Unlock()
		if err != nil || !oneToOne {
			return err
		}
	}
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.setStreamResetFlags(flags)
}

// ResetStreams resets the SSNs of streams (nil or empty: all streams) of
// association id (SCTP_RESET_STREAMS, RFC 6525 §6.3.3). flags is
// SCTP_STREAM_RESET_OUTGOING (our outgoing streams: messages sent after
// the call wait until the reset is answered, and the request goes out
// once the messages sent before it were transmitted), and/or
// SCTP_STREAM_RESET_INCOMING (ask the peer to reset its outgoing
// streams). It fails with ErrNotSupported when the peer did not announce
// RE-CONFIG. The outcome is a StreamReset notification.
func (s *Socket) ResetStreams(id AssocID, flags uint16, streams []uint16) error {
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.resetStreams(flags, streams)
}

// ResetAssoc resets every SSN and both TSN sequences of association id
// (SCTP_RESET_ASSOC, RFC 6525 §6.3.4). New messages wait until it is
// answered; it goes out once all our data was acknowledged. The outcome
// is an AssocReset notification.
func (s *Socket) ResetAssoc(id AssocID) error {
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.resetAssoc()
}

// AddStreams asks for in more incoming and out more outgoing streams on
// association id (SCTP_ADD_STREAMS, RFC 6525 §6.3.5). The outcome is a
// StreamChange notification with the new counts.
func (s *Socket) AddStreams(id AssocID, in, out uint16) error {
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.addStreams(in, out)
}
