package sctp

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/usctp/sctp/chunk"
)

// RFC 4895 AUTH and RFC 5061 ASCONF on the socket: turning them on for new
// associations, the endpoint-pair shared keys (RFC 6458 §8.1.20–§8.1.23,
// §8.3.4), and the address changes a connected socket asks the peer for
// (Bindx on a connected socket, SetPeerPrimary).

// SetAuthSupported turns RFC 4895 AUTH, and with it RFC 5061 ASCONF, on or
// off for the associations set up from now on (SCTP_AUTH_SUPPORTED; off by
// default). With it on, INIT and INIT ACK carry RANDOM, CHUNKS and
// HMAC-ALGO (HMAC-SHA-256, HMAC-SHA-1) and list AUTH, ASCONF and
// ASCONF-ACK as supported extensions; ASCONF and ASCONF-ACK (and the chunk
// types of SetAuthChunk) are then accepted only authenticated. A peer
// without AUTH gets a plain association (an AuthKeyEvent SCTP_AUTH_NO_AUTH
// says so) on which address changes fail with ErrNotSupported.
func (s *Socket) SetAuthSupported(on bool) error {
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.opts.auth = on
	return s.relistenLocked()
}

// AuthSupported reports whether AUTH and ASCONF are on for new
// associations.
func (s *Socket) AuthSupported() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.auth
}

// SetAuthChunk asks that the peer authenticate chunk type t
// (SCTP_AUTH_CHUNK, RFC 6458 §8.3.2) on associations set up from now on:
// received without a valid AUTH before it, such a chunk is discarded (RFC
// 4895 §6.3). INIT, INIT ACK, SHUTDOWN COMPLETE and AUTH cannot be listed
// (§3.2); COOKIE ECHO is not supported. ASCONF and ASCONF-ACK are always
// listed.
func (s *Socket) SetAuthChunk(t uint8) error {
	if authForbidden(chunk.Type(t)) {
		return invalidArg("chunk type %v cannot be authenticated (RFC 4895 §3.2)", chunk.Type(t))
	}
	if chunk.Type(t) == chunk.TypeCookieEcho {
		// An AUTH before the COOKIE ECHO is checked against the key the
		// cookie itself carries (RFC 4895 §6.3); not implemented.
		return fmt.Errorf("%w: authenticating COOKIE ECHO (SCTP_AUTH_CHUNK 10)", ErrNotSupported)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.opts.authChunks.add(chunk.Type(t))
	return s.relistenLocked()
}

// SetAuthKey sets endpoint-pair shared key keyID to secret
// (SCTP_AUTH_KEY, RFC 6458 §8.1.20): with id 0 for new associations (and,
// on a connected one-to-one socket, its association too), else for
// association id. Without any key set, key 0 is the empty key (RFC 4895
// §6.1). Both peers must hold the same key under the same identifier.
func (s *Socket) SetAuthKey(id AssocID, keyID uint16, secret []byte) error {
	return s.authKeyOp(id, func(r authKeyring) (authKeyring, error) { return r.withKey(keyID, secret) },
		func(e *assocEntry) error { return e.a.setAuthKey(keyID, secret) })
}

// SetAuthActiveKey makes keyID the key our AUTH chunks use
// (SCTP_AUTH_ACTIVE_KEY, RFC 6458 §8.1.21); id as for SetAuthKey.
func (s *Socket) SetAuthActiveKey(id AssocID, keyID uint16) error {
	return s.authKeyOp(id, func(r authKeyring) (authKeyring, error) { return r.withActive(keyID) },
		func(e *assocEntry) error { return e.a.setAuthActiveKey(keyID) })
}

// AuthActiveKey returns the active key identifier for new associations.
func (s *Socket) AuthActiveKey() uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.authKeys.active
}

// DeleteAuthKey deletes key keyID (SCTP_AUTH_DELETE_KEY, RFC 6458
// §8.1.22); the active key cannot be deleted. id as for SetAuthKey.
func (s *Socket) DeleteAuthKey(id AssocID, keyID uint16) error {
	return s.authKeyOp(id, func(r authKeyring) (authKeyring, error) { return r.withoutKey(keyID) },
		func(e *assocEntry) error { return e.a.deleteAuthKey(keyID) })
}

func (s *Socket) authKeyOp(id AssocID, onSocket func(authKeyring) (authKeyring, error), onAssoc func(*assocEntry) error) error {
	if id == 0 {
		if err := s.lockOpen(); err != nil {
			return err
		}
		r, err := onSocket(s.opts.authKeys)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		s.opts.authKeys = r
		err = s.relistenLocked()
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
	return onAssoc(e)
}

// SetPeerPrimary asks the peer to use our address addr as its primary
// destination (SCTP_SET_PEER_PRIMARY_ADDR, RFC 6458 §8.3.3): an ASCONF Set
// Primary Address (RFC 5061 §4.2.4). addr must be a local address of the
// association. It needs AUTH and ASCONF on both sides (SetAuthSupported),
// else ErrNotSupported. The call returns once the request is queued; a
// refusal by the peer arrives as a RemoteError event.
func (s *Socket) SetPeerPrimary(id AssocID, addr netip.AddrPort) error {
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		return invalidArg("SetPeerPrimary needs one of our addresses, not %v", addr)
	}
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.requestAsconf(chunk.ParamSetPrimaryAddr, addr.Addr().Unmap())
}

// asconfBindx sends, for every association of the socket, an ASCONF Add
// IP Address or Delete IP Address per address (RFC 6458 §9.1: bindx on a
// connected socket; RFC 5061 §4.2.1, §4.2.2). Associations whose peer
// does not do ASCONF keep their addresses as set up (no error: the socket's
// address list changed, as bindx on an unconnected socket). Called without
// s.mu held.
func (s *Socket) asconfBindx(addrs []netip.AddrPort, action BindxAction) error {
	kind := chunk.ParamAddIPAddr
	if action == BINDX_REMOVE {
		kind = chunk.ParamDeleteIPAddr
	}
	s.mu.Lock()
	entries := make([]*assocEntry, 0, len(s.assocs))
	for _, e := range s.assocs {
		entries = append(entries, e)
	}
	s.mu.Unlock()
	for _, e := range entries {
		for _, a := range addrs {
			err := e.a.requestAsconf(kind, a.Addr().Unmap())
			if err != nil && !errors.Is(err, ErrNotSupported) && !errors.Is(err, ErrNotEstablished) &&
				!errors.Is(err, ErrClosed) && !errors.Is(err, ErrShuttingDown) && !errors.Is(err, ErrNotConnected) {
				return fmt.Errorf("bindx on association %d: %w", e.id, err)
			}
		}
	}
	return nil
}
