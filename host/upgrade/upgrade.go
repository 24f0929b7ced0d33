// Package upgrade hands the process's listening sockets to a new copy of
// the binary for a zero-downtime upgrade, and takes them over in that copy.
//
// It owns the registry of the listening sockets (TCP listeners and UDP
// packet conns, by network and address) that the listen pool binds
// through and reports closes to; starting the new process with copies of
// those sockets and a readiness pipe; and, in the new process, adopting
// the inherited sockets and telling the old process it is ready. It must
// not decide what to bind (host/ports), serve or drain connections
// (host/listen, host/core), write the pidfile or handle signals (main),
// and knows nothing of Lua.
//
// The two processes agree on this (Linux):
//
//   - The new process runs the same executable path with the same
//     arguments, working directory and environment, plus
//     MOONPORT_UPGRADE_FDS listing the sockets it inherits as
//     "fd:network:address" records separated by spaces (no network or
//     address contains white space), for example
//     "4:tcp4:127.0.0.1:5222 5:udp6:[::1]:69".
//   - File descriptor 3 is the write end of the readiness pipe. The new
//     process writes one byte on it once it serves, then closes it. The
//     old process takes end of file without that byte (the new one exited
//     or gave up) as a failed upgrade.
//
// While running, the registry holds no copy of any socket: a socket the
// pool closes is gone at once. Copies are made only for the moment of
// handing them over, and closed in the old process once the new one has
// started.
package upgrade

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// readyByte is what the new process writes on the readiness pipe.
const readyByte = 'R'

// Upgrader is the process's side of zero-downtime upgrades: the socket
// registry (see Listen), the parent side (Upgrade, Exit) and, in a process
// started by an upgrade, the child side (the inherited sockets, Ready).
// Its methods are safe for concurrent use.
type Upgrader struct {
	path string   // the executable to start: see executable
	args []string // os.Args, argv[0] included
	dir  string   // the working directory at start, for relative paths in args

	mu sync.Mutex
	// mu guards active, inherited, parent, upgrading and upgraded.
	active    map[string]*entry   // sockets in use, by key
	inherited map[string]*os.File // sockets from the old process nobody claimed yet
	parent    *os.File            // the readiness pipe to the old process, until Ready
	upgrading bool                // an Upgrade is under way
	upgraded  bool                // an Upgrade succeeded: exit is closed

	exit chan struct{}
}

// entry is one registered socket (*net.TCPListener, *net.UDPConn);
// release compares entries, not keys, so that it never drops a later
// socket registered under the same key.
type entry struct{ sock syscall.Conn }

// New returns the process's Upgrader. When the process was started by an
// upgrade (MOONPORT_UPGRADE_FDS is set) it takes the inherited sockets
// and the readiness pipe, and removes the variable from the environment so
// that nothing this process starts sees it. A malformed variable is an
// error: the process cannot take over, and should exit.
func New() (*Upgrader, error) {
	u := &Upgrader{
		path:      executable(os.Args[0]),
		args:      append([]string(nil), os.Args...),
		active:    map[string]*entry{},
		inherited: map[string]*os.File{},
		exit:      make(chan struct{}),
	}
	u.dir, _ = os.Getwd()
	value, ok := os.LookupEnv(envFds)
	if !ok {
		return u, nil
	}
	os.Unsetenv(envFds)
	parent, inherited, err := inherit(value)
	if err != nil {
		return nil, err
	}
	u.parent, u.inherited = parent, inherited
	return u, nil
}

// executable is the path to start the new binary from: argv0 as the
// shell found it, made absolute (the working directory does not change,
// but the path must not depend on it). Not os.Executable, which resolves
// symbolic links once at start: installing a new version by pointing a
// link at it would start the old binary again. os.Executable is the
// fallback when argv0 cannot be found.
func executable(argv0 string) string {
	if p, err := exec.LookPath(argv0); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	p, _ := os.Executable()
	return p
}

// Child reports whether this process was started by an upgrade and has
// not yet told the old process it is ready.
func (u *Upgrader) Child() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.parent != nil
}

// Exit is closed once an upgrade succeeded: the new process serves, and
// this one should stop accepting, finish its connections and exit.
func (u *Upgrader) Exit() <-chan struct{} { return u.exit }

// Ready tells the old process, if any, that this one serves: it closes
// the inherited sockets the config did not claim, then signals on the
// readiness pipe. Until Ready, this process refuses to upgrade itself.
// Calls after the first do nothing.
func (u *Upgrader) Ready() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for key, f := range u.inherited {
		f.Close()
		delete(u.inherited, key)
	}
	if u.parent == nil {
		return nil
	}
	p := u.parent
	u.parent = nil
	_, err := p.Write([]byte{readyByte})
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot tell the old process that this one is ready (it may have exited): %w", err)
	}
	return nil
}

// Upgrade starts the new process with copies of the registered sockets
// and waits until it is ready, exits, or ctx ends (then it is killed).
// On success Exit is closed and later upgrades are refused; on failure
// this process goes on as before and may try again. One upgrade runs at a
// time. The copies are closed here once the new process has started,
// whatever happens next.
func (u *Upgrader) Upgrade(ctx context.Context) error {
	keys, files, err := u.begin()
	if err != nil {
		return err
	}
	err = u.start(ctx, keys, files)
	u.mu.Lock()
	u.upgrading = false
	if err == nil {
		u.upgraded = true
		close(u.exit)
	}
	u.mu.Unlock()
	return err
}

// begin checks that an upgrade may start and copies the registered
// sockets, sorted by key. A socket closed meanwhile (its release not yet
// called) is left out: the pool is dropping it.
func (u *Upgrader) begin() ([]string, []*os.File, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.parent != nil:
		return nil, nil, errors.New("cannot upgrade: this process is still starting (the previous upgrade is not finished)")
	case u.upgrading:
		return nil, nil, errors.New("cannot upgrade: an upgrade is already under way")
	case u.upgraded:
		return nil, nil, errors.New("cannot upgrade: this process was upgraded already and is finishing its connections")
	}
	keys := make([]string, 0, len(u.active))
	for key := range u.active {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var (
		kept  []string
		files []*os.File
	)
	for _, key := range keys {
		f, err := dup(u.active[key].sock, key)
		if errors.Is(err, net.ErrClosed) {
			continue
		}
		if err != nil {
			closeAll(files)
			return nil, nil, fmt.Errorf("cannot upgrade: copying the socket %s: %w", key, err)
		}
		kept = append(kept, key)
		files = append(files, f)
	}
	u.upgrading = true
	return kept, files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// dup copies sock's descriptor for a new process. Not the sockets' File
// method: exec takes a descriptor from such a file by its Fd method,
// which puts it in blocking mode — a flag the copy shares with sock, whose
// accept would then block a thread and whose Close would wait for a
// connection. A copy made here stays non-blocking, like sock.
func dup(sock syscall.Conn, name string) (*os.File, error) {
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(fd), name), nil
}
