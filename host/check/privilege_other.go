//go:build !linux

package check

import "os"

// CurrentPrivilege reads the running process's privilege: root or not;
// ports below 1024 need root here.
func CurrentPrivilege() Privilege {
	return Privilege{Root: os.Geteuid() == 0, UnprivilegedMin: 1024}
}
