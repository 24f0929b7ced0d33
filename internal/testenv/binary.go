package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Binary builds the moonport command into the test's temporary folder and
// returns its path; tests that depend on main's wiring drive it as a
// separate process.
func Binary(t testing.TB) string {
	t.Helper()
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "moonport")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = strings.TrimSpace(string(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ListeningTCP returns the sorted local addresses ("127.0.0.1:7007") of
// the TCP sockets process pid holds in LISTEN state, as ss reports them.
// It counts every descriptor, so a socket the process still holds after
// closing its listener shows here.
func ListeningTCP(t testing.TB, pid int) []string {
	t.Helper()
	ss := NeedTool(t, "ss", "iproute2")
	out, err := exec.Command(ss, "-ltnpH").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	tag := fmt.Sprintf("pid=%d,", pid)
	var addrs []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.Contains(line, tag) {
			continue
		}
		addrs = append(addrs, f[3])
	}
	sort.Strings(addrs)
	return addrs
}

// WaitListeningTCP waits until process pid listens on exactly want (in
// any order) and fails the test with what it saw after timeout.
func WaitListeningTCP(t testing.TB, pid int, timeout time.Duration, want ...string) {
	t.Helper()
	want = append([]string(nil), want...)
	sort.Strings(want)
	deadline := time.Now().Add(timeout)
	var got []string
	for {
		got = ListeningTCP(t, pid)
		if strings.Join(got, " ") == strings.Join(want, " ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d listens on %v, want exactly %v", pid, got, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// WaitFile waits until the file at path contains want and returns its
// contents; it fails the test after timeout.
func WaitFile(t testing.TB, path, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(want)) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never contained %q:\n%s", path, want, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
