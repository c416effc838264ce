//go:build !race

package sctp

const simRaceEnabled = false
