package upgrade

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

const (
	// envFds lists the inherited sockets (see the package comment).
	envFds = "MOONPORT_UPGRADE_FDS"
	// readyFd is the readiness pipe's write end in the new process.
	readyFd = 3
	// firstSocketFd is where the sockets start, after the pipe.
	firstSocketFd = readyFd + 1
)

// key names a socket in the registry and in envFds.
func key(network, addr string) string { return network + " " + addr }

// childEnv is env without any envFds, plus envFds naming keys[i] as fd
// firstSocketFd+i.
func childEnv(env []string, keys []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, envFds+"=") {
			out = append(out, kv)
		}
	}
	records := make([]string, len(keys))
	for i, k := range keys {
		network, addr, _ := strings.Cut(k, " ")
		records[i] = fmt.Sprintf("%d:%s:%s", firstSocketFd+i, network, addr)
	}
	return append(out, envFds+"="+strings.Join(records, " "))
}

// parseFds reads envFds's value into socket keys by file descriptor.
func parseFds(value string) (map[int]string, error) {
	fds, seen := map[int]string{}, map[string]bool{}
	for _, rec := range strings.Fields(value) {
		parts := strings.SplitN(rec, ":", 3)
		bad := func(why string) error {
			return fmt.Errorf("%s: record %q %s; want fd:network:address records (the variable is set by moonport for the process an upgrade starts: unset it to start normally)", envFds, rec, why)
		}
		if len(parts) != 3 || parts[2] == "" {
			return nil, bad("is incomplete")
		}
		fd, err := strconv.Atoi(parts[0])
		if err != nil || fd < firstSocketFd {
			return nil, bad(fmt.Sprintf("has no file descriptor of %d or more", firstSocketFd))
		}
		switch parts[1] {
		case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
		default:
			return nil, bad("names no TCP or UDP network")
		}
		if _, dup := fds[fd]; dup {
			return nil, bad("repeats a file descriptor")
		}
		k := key(parts[1], parts[2])
		if seen[k] {
			return nil, bad("repeats a socket")
		}
		seen[k] = true
		fds[fd] = k
	}
	return fds, nil
}

// inherit takes the readiness pipe and the sockets envFds lists. Each
// must be of the right kind (a pipe, sockets): a variable left over in an
// operator's environment must not make the process write into some other
// file. All are marked close-on-exec so that nothing this process starts
// inherits them in turn.
func inherit(value string) (*os.File, map[string]*os.File, error) {
	fds, err := parseFds(value)
	if err != nil {
		return nil, nil, err
	}
	if err := checkKind(readyFd, syscall.S_IFIFO, "the readiness pipe"); err != nil {
		return nil, nil, err
	}
	for fd, k := range fds {
		if err := checkKind(fd, syscall.S_IFSOCK, "the socket "+k); err != nil {
			return nil, nil, err
		}
	}
	syscall.CloseOnExec(readyFd)
	parent := os.NewFile(readyFd, "upgrade readiness pipe")
	sockets := map[string]*os.File{}
	for fd, k := range fds {
		syscall.CloseOnExec(fd)
		sockets[k] = os.NewFile(uintptr(fd), k)
	}
	return parent, sockets, nil
}

// checkKind fails unless fd is open and of the file type kind (S_IFIFO,
// S_IFSOCK).
func checkKind(fd int, kind uint32, what string) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s: %s should be file descriptor %d: %w", envFds, what, fd, err)
	}
	if uint32(st.Mode)&syscall.S_IFMT != kind { // Mode is narrower on some systems (uint16 on the BSDs)
		return fmt.Errorf("%s: file descriptor %d is not %s (the variable is set by moonport for the process an upgrade starts: unset it to start normally)", envFds, fd, what)
	}
	return nil
}
