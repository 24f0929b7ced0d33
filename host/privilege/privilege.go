// Package privilege drops root after the ports are bound: the process
// becomes the configured user and group (Prosody's prosody_user and
// prosody_group) and keeps a single capability, CAP_NET_BIND_SERVICE, on
// one thread only — the binder — through which every later bind (a reload
// adding a port below 1024) runs.
//
// Keeping the capability is Linux's (binder_linux.go): elsewhere Drop
// fails, and moonport runs as the user that starts it.
//
// It changes the process's identity and nothing else.
package privilege

import (
	"fmt"
	"os/user"
	"slices"
	"strconv"
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

// DefaultUser is whom Prosody becomes when started as root without
// prosody_user (util/startup.lua's switch_user).
const DefaultUser = "prosody"

// Exists reports whether the system knows a user named name.
func Exists(name string) bool {
	_, err := user.Lookup(name)
	return err == nil
}

// Identity is the user and group the process becomes.
type Identity struct {
	User     string
	UID, GID int
	Groups   []int // supplementary groups: GID and the user's, as initgroups gives
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
	return Identity{User: userName, UID: uid, GID: gid, Groups: groupsOf(u, gid)}, nil
}

// groupsOf is gid and every group that lists u as a member, as Prosody's
// switch_user gets from initgroups: a key readable by the ssl-cert group
// stays readable for a user in it.
func groupsOf(u *user.User, gid int) []int {
	groups := []int{gid}
	ids, _ := u.GroupIds()
	for _, s := range ids {
		if g, err := strconv.Atoi(s); err == nil && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups
}

// Drop switches the process to id. It must run as root.
func Drop(id Identity) (*Binder, error) {
	b := &Binder{calls: make(chan func())}
	ready := make(chan error)
	go b.serve(id, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return b, nil
}
