package privilege

import (
	"fmt"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// serve owns the binder thread: it keeps its capabilities across the
// identity change, then keeps only CAP_NET_BIND_SERVICE.
func (b *Binder) serve(id Identity, ready chan<- error) {
	uid, gid := id.UID, id.GID
	runtime.LockOSThread() // this thread is the binder for good
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		ready <- fmt.Errorf("keeping CAP_NET_BIND_SERVICE: %w", err)
		return
	}
	// These apply to every thread of the process.
	groups := id.Groups
	if len(groups) == 0 {
		groups = []int{gid}
	}
	if err := syscall.Setgroups(groups); err != nil {
		ready <- fmt.Errorf("setgroups: %w", err)
		return
	}
	if err := syscall.Setgid(gid); err != nil {
		ready <- fmt.Errorf("setgid %d: %w", gid, err)
		return
	}
	if err := syscall.Setuid(uid); err != nil {
		ready <- fmt.Errorf("setuid %d: %w", uid, err)
		return
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	data[0].Permitted = 1 << unix.CAP_NET_BIND_SERVICE
	data[0].Effective = 1 << unix.CAP_NET_BIND_SERVICE
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		ready <- fmt.Errorf("keeping CAP_NET_BIND_SERVICE: %w", err)
		return
	}
	ready <- nil
	for f := range b.calls {
		f()
	}
}
