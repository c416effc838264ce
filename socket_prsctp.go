package sctp

// PR-SCTP options (RFC 6458 §8.1.33 SCTP_DEFAULT_PRINFO; RFC 7496 §4.3
// SCTP_PR_ASSOC_STATUS and SCTP_PR_STREAM_STATUS).

// DefaultPRInfo returns the PR-SCTP policy of the default send parameters
// (SCTP_DEFAULT_PRINFO): what SCTPSend and Conn.Write use when given no
// SndInfo.
func (s *Socket) DefaultPRInfo() PRInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return PRInfo{Policy: s.opts.defSend.PRPolicy, Value: s.opts.defSend.PRValue}
}

// SetDefaultPRInfo sets the PR-SCTP policy of the default send parameters
// (SCTP_DEFAULT_PRINFO; SetDefaultSendParams sets it too): for example
// SCTP_PR_SCTP_RTX with Value 0 sends every message without a
// retransmission, as a WebRTC data channel with maxRetransmits 0. A send
// with a policy to a peer without PR-SCTP fails with ErrNotSupported.
func (s *Socket) SetDefaultPRInfo(p PRInfo) error {
	if err := validPRInfo(p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.defSend.PRPolicy, s.opts.defSend.PRValue = p.Policy, p.Value
	if p.Policy != SCTP_PR_SCTP_NONE {
		s.opts.defSend.TTL = 0 // one policy at a time
	}
	return nil
}

func validPRInfo(p PRInfo) error {
	switch p.Policy {
	case SCTP_PR_SCTP_NONE, SCTP_PR_SCTP_RTX, SCTP_PR_SCTP_PRIO:
	case SCTP_PR_SCTP_TTL:
		if p.Value == 0 {
			return invalidArg("SCTP_PR_SCTP_TTL with a lifetime of 0 ms")
		}
	default:
		return invalidArg("PR-SCTP policy %v: want SCTP_PR_SCTP_NONE, _TTL, _RTX or _PRIO", p.Policy)
	}
	return nil
}

// PRAssocStatus returns how many messages of association id were
// abandoned under policy (SCTP_PR_SCTP_TTL, _RTX, _PRIO, or
// SCTP_PR_SCTP_ALL for all together), before any of their data was sent
// and after (SCTP_PR_ASSOC_STATUS, RFC 7496 §4.3).
func (s *Socket) PRAssocStatus(id AssocID, policy PRPolicy) (PRStatus, error) {
	return s.prStatus(id, policy, -1)
}

// PRStreamStatus is PRAssocStatus for one outgoing stream
// (SCTP_PR_STREAM_STATUS).
func (s *Socket) PRStreamStatus(id AssocID, stream uint16, policy PRPolicy) (PRStatus, error) {
	return s.prStatus(id, policy, int(stream))
}

func (s *Socket) prStatus(id AssocID, policy PRPolicy, stream int) (PRStatus, error) {
	switch policy {
	case SCTP_PR_SCTP_TTL, SCTP_PR_SCTP_RTX, SCTP_PR_SCTP_PRIO, SCTP_PR_SCTP_ALL:
	default:
		return PRStatus{}, invalidArg("PR-SCTP status of policy %v: want SCTP_PR_SCTP_TTL, _RTX, _PRIO or _ALL", policy)
	}
	e, err := s.entry(id)
	if err != nil {
		return PRStatus{}, err
	}
	return e.a.prStatus(policy, stream)
}
