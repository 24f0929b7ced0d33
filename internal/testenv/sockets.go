package testenv

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Listening maps the local addresses in LISTEN state on TCP port, as the
// kernel has them (/proc/net/tcp and tcp6, what `ss -ltn` shows), to the
// inode of each one's socket.
func Listening(t testing.TB, port int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			if table == "/proc/net/tcp6" {
				continue // no IPv6 here
			}
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			ap, ok := procAddr(f[1])
			if ok && int(ap.Port()) == port {
				out[ap.String()] = f[9]
			}
		}
	}
	return out
}

// procAddr decodes /proc/net/tcp's "0100007F:1F90": the address in host
// byte order 32-bit words, the port in hex.
func procAddr(s string) (netip.AddrPort, bool) {
	addrHex, portHex, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(addrHex)
	port, perr := strconv.ParseUint(portHex, 16, 16)
	if !ok || err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 { // each word is little-endian
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	a, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), true
}

// ListeningAddrs is Listening's addresses alone, sorted: ["127.0.0.1:7007"].
func ListeningAddrs(t testing.TB, port int) []string {
	t.Helper()
	var out []string
	for a := range Listening(t, port) {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// WaitListening polls until the addresses listening on port are exactly
// want (none for an empty want), or fails the test after 10 seconds.
func WaitListening(t testing.TB, port int, want ...string) {
	t.Helper()
	sort.Strings(want)
	deadline := time.Now().Add(10 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		got = ListeningAddrs(t, port)
		if strings.Join(got, " ") == strings.Join(want, " ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listening on port %d: %v, want %v", port, got, want)
}

// SocketFds counts the file descriptors of process pid that refer to the
// socket with inode (from Listening).
func SocketFds(t testing.TB, pid int, inode string) int {
	t.Helper()
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == "socket:["+inode+"]" {
			n++
		}
	}
	return n
}
