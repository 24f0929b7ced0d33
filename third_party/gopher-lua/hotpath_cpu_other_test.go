//go:build !linux

package lua

import "time"

// threadCPU is not measured here (moonport: see the Linux version).
func threadCPU() time.Duration { return 0 }
