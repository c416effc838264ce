package sctp

// User message interleaving (RFC 8260 §4.3.1 SCTP_INTERLEAVING_SUPPORTED
// with RFC 6458 §8.1.20 SCTP_FRAGMENT_INTERLEAVE), as usrsctp has them:
// I-DATA is offered to new associations only with the fragment interleave
// level at 2 and interleaving supported on, and used when the peer offers
// it too (Status.IData, AssocStats.IData). With I-DATA a message larger
// than the partial delivery point does not hold back complete messages of
// other streams: the reader receives them between the parts (each part
// and message carries its stream; MSG_EOR ends a message).

// FragmentInterleave returns the SCTP_FRAGMENT_INTERLEAVE level (RFC 6458
// §8.1.20).
func (s *Socket) FragmentInterleave() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.fragInterleave
}

// SetFragmentInterleave sets SCTP_FRAGMENT_INTERLEAVE (RFC 6458 §8.1.20):
// 0 or 1 (no interleaving of partial deliveries within an association;
// parts of different associations of a one-to-many socket may
// interleave), or 2 (complete messages of other streams may come between
// the parts of a partially delivered message; with DATA this stack still
// behaves as level 1, with I-DATA as level 2). Level 2 is required for
// SetInterleavingSupported (RFC 8260 §4.3.1); lowering it below 2 turns
// I-DATA off for new associations.
func (s *Socket) SetFragmentInterleave(level int) error {
	if level < 0 || level > 2 {
		return invalidArg("fragment interleave level %d: want 0, 1 or 2", level)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.opts.fragInterleave = level
	if level < 2 {
		s.opts.idata = false
	}
	return s.relistenLocked()
}

// InterleavingSupported reports SCTP_INTERLEAVING_SUPPORTED (RFC 8260
// §4.3.1): whether new associations offer I-DATA.
func (s *Socket) InterleavingSupported() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.idata
}

// SetInterleavingSupported sets SCTP_INTERLEAVING_SUPPORTED (RFC 8260
// §4.3.1): new associations announce I-DATA (and with PR-SCTP
// I-FORWARD TSN) and use it when the peer does too. Turning it on needs
// SetFragmentInterleave(2) first (ErrInvalidArgument otherwise), as in
// RFC 8260 §4.3.1. Associations already set up keep what they negotiated.
func (s *Socket) SetInterleavingSupported(on bool) error {
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if on && s.opts.fragInterleave != 2 {
		return invalidArg("SCTP_INTERLEAVING_SUPPORTED needs SCTP_FRAGMENT_INTERLEAVE 2: call SetFragmentInterleave(2) first (RFC 8260 §4.3.1)")
	}
	s.opts.idata = on
	return s.relistenLocked()
}
