package bridge

import "golang.org/x/sys/unix"

// pposixDomainname is uname's domainname, which Linux has.
func pposixDomainname(u *unix.Utsname) []byte { return u.Domainname[:] }

// pposixRlimitNice is RLIMIT_NICE, which Linux has.
func pposixRlimitNice() (int, bool) { return unix.RLIMIT_NICE, true }
