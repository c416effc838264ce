package main

import (
	"testing"
	"time"
)

// TestMaxBackoffFlag: -max-backoff reaches the association's RTO bounds
// (RTOInfo.MaxBackoff), with or without -rto-max, and a negative one is a
// usage error.
func TestMaxBackoffFlag(t *testing.T) {
	f := setupFlags{remoteUDP: 9899, streams: 10, initRetries: 8, maxBackoff: 3 * time.Second}
	if err := f.check(); err != nil {
		t.Fatalf("-max-backoff 3s: %v", err)
	}
	if got := f.config(&stack{}).RTO.MaxBackoff; got != 3*time.Second {
		t.Errorf("-max-backoff 3s: config MaxBackoff %v", got)
	}
	f.rtoMax = 10 * time.Second
	if c := f.config(&stack{}); c.RTO.MaxBackoff != 3*time.Second || c.RTO.Max != 10*time.Second {
		t.Errorf("-max-backoff 3s -rto-max 10s: config RTO %+v", c.RTO)
	}
	f.maxBackoff = -time.Second
	if err := f.check(); err == nil {
		t.Error("-max-backoff -1s accepted")
	}
}
