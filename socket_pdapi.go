package sctp

import "errors"

// The partial delivery API (RFC 6458 §8.1.21 SCTP_PARTIAL_DELIVERY_POINT).
// A message larger than the receive window arrives in pieces; the stack
// joins them and hands the message to the reader whole up to the partial
// delivery point, and in parts beyond it: each part is read without
// MSG_EOR, the last with MSG_EOR (SCTPRecv; Conn.Read returns the parts as
// successive reads). No other message of the association comes between
// the parts (fragment interleave level 0 per association); on a
// one-to-many socket parts of different associations may interleave and
// carry their association id.

// PartialDeliveryPoint returns the size beyond which a message that
// arrives in pieces is delivered in parts: the value set, or by default
// the larger of the stack's maximum message size and the receive buffer.
// With id 0 on a one-to-many or unconnected socket it returns the value
// set for new associations (0: the default).
func (s *Socket) PartialDeliveryPoint(id AssocID) (int, error) {
	s.mu.Lock()
	if id == 0 && (s.style == UDP_STYLE || s.assoc == nil) {
		defer s.mu.Unlock()
		return s.opts.pdPoint, nil
	}
	s.mu.Unlock()
	e, err := s.entry(id)
	if err != nil {
		return 0, err
	}
	return e.a.partialDeliveryPoint()
}

// SetPartialDeliveryPoint sets SCTP_PARTIAL_DELIVERY_POINT in bytes (0:
// the default) for the socket's associations, present and future.
func (s *Socket) SetPartialDeliveryPoint(n int) error {
	if n < 0 {
		return invalidArg("negative partial delivery point %d", n)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	s.opts.pdPoint = n
	err := s.relistenLocked()
	var live []*assocEntry
	for _, e := range s.assocs {
		live = append(live, e)
	}
	if s.assoc != nil && s.assocs[s.assoc.id] == nil {
		live = append(live, s.assoc)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, e := range live {
		// An association that ended meanwhile is no error for a
		// socket-wide option.
		if err := e.a.setPartialDeliveryPoint(n); err != nil && !errors.Is(err, ErrClosed) {
			return err
		}
	}
	return nil
}
