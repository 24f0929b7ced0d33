//go:build !linux

package bridge

import "golang.org/x/sys/unix"

// pposixDomainname is nil: only Linux's uname has a domainname.
func pposixDomainname(*unix.Utsname) []byte { return nil }

// pposixRlimitNice is absent: only Linux has RLIMIT_NICE.
func pposixRlimitNice() (int, bool) { return 0, false }
