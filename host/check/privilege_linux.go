package check

import (
	"os"
	"strconv"
	"strings"
)

// CurrentPrivilege reads the running process's privilege.
func CurrentPrivilege() Privilege {
	p := Privilege{Root: os.Geteuid() == 0, UnprivilegedMin: 1024}
	// The capabilities and the sysctl are Linux's, read from /proc.
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
				caps, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				p.NetBindService = caps&(1<<10) != 0
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			p.UnprivilegedMin = n
		}
	}
	return p
}
