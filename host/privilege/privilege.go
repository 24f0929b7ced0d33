// Package privilege drops root after the ports are bound: the process
// becomes the configured user and group (Prosody's prosody_user and
// prosody_group) and keeps a single capability, CAP_NET_BIND_SERVICE, on
// one thread only — the binder — through which every later bind (a reload
// adding a port below 1024) runs.
//
// It changes the process's identity and nothing else.
package privilege

import (
	"fmt"
	"os/user"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Binder runs functions on the one thread that may still bind privileged
// ports.
type Binder struct {
	calls chan func()
}

// Run runs f on the binder's thread and waits for it.
func (b *Binder) Run(f func()) {
	done := make(chan struct{})
	b.calls <- func() { f(); close(done) }
	<-done
}

// Identity is the user and group the process becomes.
type Identity struct {
	User     string
	UID, GID int
}

// Lookup finds userName and groupName (the user's own group when empty).
func Lookup(userName, groupName string) (Identity, error) {
	u, err := user.Lookup(userName)
	if err != nil {
		return Identity{}, fmt.Errorf("prosody_user %q: %w", userName, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if groupName != "" {
		g, err := user.LookupGroup(groupName)
		if err != nil {
			return Identity{}, fmt.Errorf("prosody_group %q: %w", groupName, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return Identity{User: userName, UID: uid, GID: gid}, nil
}

// Drop switches the process to id. It must run as root.
func Drop(id Identity) (*Binder, error) {
	b := &Binder{calls: make(chan func())}
	ready := make(chan error)
	go b.serve(id.UID, id.GID, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return b, nil
}

// serve owns the binder thread: it keeps its capabilities across the
// identity change, then keeps only CAP_NET_BIND_SERVICE.
func (b *Binder) serve(uid, gid int, ready chan<- error) {
	runtime.LockOSThread() // this thread is the binder for good
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		ready <- fmt.Errorf("keeping CAP_NET_BIND_SERVICE: %w", err)
		return
	}
	// These apply to every thread of the process.
	if err := syscall.Setgroups([]int{gid}); err != nil {
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
