//go:build !linux

package bridge

import (
	"time"

	"golang.org/x/sys/unix"
)

// lfsTouchNow sets a file's times to now.
func lfsTouchNow(path string) error {
	now := unix.NsecToTimespec(time.Now().UnixNano())
	return unix.UtimesNano(path, []unix.Timespec{now, now})
}
