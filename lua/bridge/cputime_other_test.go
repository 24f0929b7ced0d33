//go:build !linux

package bridge

import "time"

// onCPU cannot read a thread's CPU time here: the caller falls back to
// wall time.
func onCPU(f func()) (time.Duration, bool) {
	f()
	return 0, false
}
