//go:build !unix && !windows

package main

import "time"

// selfCPU is not measured on this system: 0.
func selfCPU() time.Duration { return 0 }
