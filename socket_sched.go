package sctp

// Stream scheduler socket options (RFC 8260 §4.3.2 SCTP_STREAM_SCHEDULER,
// §4.3.3 SCTP_STREAM_SCHEDULER_VALUE). The engine side is
// association_sched.go.

// StreamScheduler returns the stream scheduler of association id; id 0 on
// a one-to-many socket, or on a one-to-one socket not connected, returns
// the default for new associations.
func (s *Socket) StreamScheduler(id AssocID) (StreamScheduler, error) {
	s.mu.Lock()
	if id == 0 && (s.style == UDP_STYLE || s.assoc == nil) {
		defer s.mu.Unlock()
		return s.opts.sched, nil
	}
	s.mu.Unlock()
	e, err := s.entry(id)
	if err != nil {
		return 0, err
	}
	return e.a.streamScheduler()
}

// SetStreamScheduler selects the stream scheduler (SCTP_SS_FCFS, the
// default, SCTP_SS_RR, SCTP_SS_RR_PKT, SCTP_SS_PRIO, SCTP_SS_FB or
// SCTP_SS_WFQ). With id 0 it sets the default for new associations (and,
// on a one-to-one socket, its association's scheduler too); otherwise
// association id's, at once, messages already queued included. An unknown
// scheduler fails with ErrInvalidArgument.
func (s *Socket) SetStreamScheduler(id AssocID, k StreamScheduler) error {
	if !k.valid() {
		return invalidArg("stream scheduler %d: want SCTP_SS_FCFS, _RR, _RR_PKT, _PRIO, _FB or _WFQ", uint16(k))
	}
	if id == 0 {
		if err := s.lockOpen(); err != nil {
			return err
		}
		s.opts.sched = k
		err := s.relistenLocked()
		style := s.style
		s.mu.Unlock()
		if err != nil || style == UDP_STYLE {
			return err
		}
	}
	e, err := s.entry(id)
	if err != nil {
		if id == 0 {
			return nil // unconnected one-to-one socket: the default only
		}
		return err
	}
	return e.a.setStreamScheduler(k)
}

// StreamSchedulerValue returns the scheduler value of outgoing stream
// stream of association id (0 on a one-to-one socket: its association):
// its priority under SCTP_SS_PRIO, its weight under SCTP_SS_WFQ.
func (s *Socket) StreamSchedulerValue(id AssocID, stream uint16) (uint16, error) {
	e, err := s.entry(id)
	if err != nil {
		return 0, err
	}
	return e.a.streamSchedulerValue(stream)
}

// SetStreamSchedulerValue sets the scheduler value of outgoing stream
// stream of association id (SCTP_STREAM_SCHEDULER_VALUE): under
// SCTP_SS_PRIO the stream's priority (lower is served first, default 0),
// under SCTP_SS_WFQ its weight (its share of the capacity is proportional
// to it; 1..65535, default 1). The value is kept per stream whatever the
// scheduler. A stream beyond the negotiated ones fails with
// ErrInvalidStream, weight 0 under SCTP_SS_WFQ with ErrInvalidArgument.
func (s *Socket) SetStreamSchedulerValue(id AssocID, stream uint16, v uint16) error {
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.setStreamSchedulerValue(stream, v)
}
