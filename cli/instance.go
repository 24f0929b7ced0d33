package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runningMoonport is the PID of a live moonport that pidfile names, or 0:
// none, the file is missing or unreadable, or it names this process, the
// parent of an upgrade that started this one (upgradeChild) or a process
// that is no moonport (a PID reused since a crash).
func runningMoonport(pidfile string, upgradeChild bool) int {
	if pidfile == "" {
		return 0
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || pid == os.Getpid() || (upgradeChild && pid == os.Getppid()) {
		return 0
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return pid // alive, but not ours to inspect: assume it serves
	}
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	if !strings.Contains(filepath.Base(argv0), "moonport") {
		return 0
	}
	return pid
}

// removePidfile removes the pidfile at a clean shutdown if it still names
// this process: after an upgrade it names the new process, which keeps it.
func removePidfile(path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pidfile %s: cannot remove it at shutdown: %w", path, err)
	}
	return nil
}
