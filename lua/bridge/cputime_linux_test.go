package bridge

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// onCPU runs f on a thread of its own and says how long that thread ran
// on a CPU meanwhile: unlike wall time, this does not grow when a loaded
// machine leaves the thread waiting for a CPU, so a test can bound the
// work a callback did. ok is false where the figure cannot be read.
func onCPU(f func()) (cpu time.Duration, ok bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &before) != nil {
		f()
		return 0, false
	}
	f()
	if unix.Getrusage(unix.RUSAGE_THREAD, &after) != nil {
		return 0, false
	}
	spent := func(r unix.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	return spent(after) - spent(before), true
}
