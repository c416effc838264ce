package sctp

import (
	"errors"
	"testing"
	"time"
)

// TestSetAssocParamsCookieLifeCap: a CookieLife above MaxCookieLife is
// rejected with ErrInvalidArgument and changes nothing; the cap itself is
// accepted.
func TestSetAssocParamsCookieLifeCap(t *testing.T) {
	st := testStack(t, lo4, 0)
	s, err := st.NewSocketUDP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, d := range []time.Duration{MaxCookieLife + time.Nanosecond, 24 * time.Hour, 1<<63 - 1} {
		if err := s.SetAssocParams(0, AssocParams{CookieLife: d}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("CookieLife %v: %v, want ErrInvalidArgument", d, err)
		}
	}
	if p, _ := s.AssocParams(0); p.CookieLife != 60*time.Second {
		t.Errorf("CookieLife %v after rejected sets, want the 60 s default", p.CookieLife)
	}
	if err := s.SetAssocParams(0, AssocParams{CookieLife: MaxCookieLife}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.AssocParams(0); p.CookieLife != MaxCookieLife {
		t.Errorf("CookieLife %v, want %v", p.CookieLife, MaxCookieLife)
	}
}
