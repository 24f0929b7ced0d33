package upgrade

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The hand-over tests start this test binary again as the new process;
// roleEnv says which part it plays instead of running the tests.
const (
	roleEnv  = "UPGRADE_TEST_ROLE"
	claimEnv = "UPGRADE_TEST_CLAIM"   // serve: the keys to take, comma-separated
	pidEnv   = "UPGRADE_TEST_PIDFILE" // hang: where to write its PID
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "":
		os.Exit(m.Run())
	case "serve":
		os.Exit(serveChild())
	case "fail":
		os.Exit(3)
	case "hang":
		os.Exit(hangChild())
	case "new":
		// Report what New makes of the environment.
		if _, err := New(); err != nil {
			fmt.Println(err)
		}
		os.Exit(0)
	}
	os.Exit(20)
}

// serveChild takes the sockets named by claimEnv (only inherited ones:
// it binds nothing itself), tries an upgrade before it is ready, signals
// readiness, then answers one datagram and one connection with a report.
func serveChild() int {
	u, err := New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 10
	}
	early := u.Upgrade(context.Background())
	var (
		ln net.Listener
		pc net.PacketConn
	)
	for _, k := range strings.Split(os.Getenv(claimEnv), ",") {
		network, addr, _ := strings.Cut(k, " ")
		notInherited := fmt.Errorf("%s was not inherited", k)
		if strings.HasPrefix(network, "udp") {
			pc, _, err = u.ListenPacket(network, addr, func() (net.PacketConn, error) { return nil, notInherited })
		} else {
			ln, _, err = u.Listen(network, addr, func() (net.Listener, error) { return nil, notInherited })
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 11
		}
	}
	fds, _ := socketFds(ln.(syscall.Conn))
	if err := u.Ready(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 12
	}
	report := fmt.Sprintf("pid=%d fds=%d early=%v", os.Getpid(), fds, early)
	deadline := time.Now().Add(20 * time.Second) // a bound should the test fail
	pc.SetDeadline(deadline)
	buf := make([]byte, 64)
	if _, from, err := pc.ReadFrom(buf); err == nil {
		pc.WriteTo([]byte(report), from)
	}
	ln.(*net.TCPListener).SetDeadline(deadline)
	if c, err := ln.Accept(); err == nil {
		c.Write([]byte(report))
		c.Close()
	}
	return 0
}

// hangChild never becomes ready; it writes its PID where the test
// waits for it, and is killed by the upgrade it belongs to.
func hangChild() int {
	if _, err := New(); err != nil {
		return 10
	}
	if err := os.WriteFile(os.Getenv(pidEnv), []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		return 11
	}
	time.Sleep(time.Minute) // a bound should the test fail to kill it
	return 0
}

// The new process takes the sockets it is handed, refuses to upgrade
// before it is ready, and serves once it is; the old one keeps no copy,
// its Exit fires, and it refuses a second upgrade. An inherited socket
// the new process does not claim is closed once it is ready.
func TestUpgradeHandsOverSockets(t *testing.T) {
	u := newUpgrader(t)
	ln, releaseTCP := listenTCP(t, u, "127.0.0.1:0")
	pc, releaseUDP := listenUDP(t, u, "127.0.0.1:0")
	unclaimed, releaseUnclaimed := listenTCP(t, u, "127.0.0.1:0")
	tcpKey, udpKey := "tcp4 "+ln.Addr().String(), "udp4 "+pc.LocalAddr().String()
	t.Setenv(roleEnv, "serve")
	t.Setenv(claimEnv, tcpKey+","+udpKey)

	if err := u.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-u.Exit():
	default:
		t.Error("Exit did not fire after a successful upgrade")
	}
	wantFds(t, ln, 1) // the copies handed over are closed here
	wantFds(t, pc, 1)
	if err := u.Upgrade(context.Background()); err == nil || !strings.Contains(err.Error(), "upgraded already") {
		t.Errorf("a second upgrade: %v", err)
	}
	// This process stops serving (main drains); the new one answers.
	for _, c := range []interface{ Close() error }{ln, pc, unclaimed} {
		c.Close()
	}
	releaseTCP()
	releaseUDP()
	releaseUnclaimed()

	c, err := net.Dial("udp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("hello"))
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer from the new process over UDP: %v", err)
	}
	udpReport := string(buf[:n])
	tc, err := net.DialTimeout("tcp4", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatalf("the new process does not accept: %v", err)
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	n, _ = tc.Read(buf)
	report := string(buf[:n])
	if report != udpReport || !strings.HasPrefix(report, "pid=") || strings.HasPrefix(report, fmt.Sprintf("pid=%d ", os.Getpid())) {
		t.Errorf("answers %q and %q; want the same report from the new process", report, udpReport)
	}
	if !strings.Contains(report, " fds=1 ") {
		t.Errorf("the new process keeps a second descriptor of an inherited socket: %q", report)
	}
	if !strings.Contains(report, "early=cannot upgrade: this process is still starting") {
		t.Errorf("the new process could upgrade before it was ready: %q", report)
	}
	l, err := net.Listen("tcp4", unclaimed.Addr().String())
	if err != nil {
		t.Fatalf("the socket the new process did not claim is still open: %v", err)
	}
	l.Close()
}

// A new process that exits before it is ready fails the upgrade with its
// exit status; the copies are closed, the sockets are as they were
// (non-blocking: the copies share that flag with them) and another
// upgrade may follow.
func TestUpgradeFailsWhenTheNewProcessExits(t *testing.T) {
	u := newUpgrader(t)
	ln, release := listenTCP(t, u, "127.0.0.1:0")
	defer release()
	defer ln.Close()
	t.Setenv(roleEnv, "fail")
	for i := 0; i < 2; i++ {
		err := u.Upgrade(context.Background())
		if err == nil || !strings.Contains(err.Error(), "ended before it was ready (exit status 3)") {
			t.Fatalf("upgrade %d: %v; want the new process's exit status", i, err)
		}
		wantFds(t, ln, 1)
		wantNonblocking(t, ln)
	}
	select {
	case <-u.Exit():
		t.Error("Exit fired after a failed upgrade")
	default:
	}
}

// One upgrade at a time; one whose process is not ready when ctx ends
// fails and its process is stopped.
func TestUpgradeNotReadyInTime(t *testing.T) {
	u := newUpgrader(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv(roleEnv, "hang")
	t.Setenv(pidEnv, pidfile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- u.Upgrade(ctx) }()

	var pid int
	deadline := time.Now().Add(20 * time.Second)
	for pid == 0 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(pidfile)
		fmt.Sscan(string(b), &pid)
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("the new process never started")
	}
	if err := u.Upgrade(context.Background()); err == nil || !strings.Contains(err.Error(), "already under way") {
		t.Errorf("a second upgrade meanwhile: %v", err)
	}
	cancel()
	err := <-result
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not ready in time") {
		t.Errorf("Upgrade = %v; want it not ready in time", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the process that was not ready is still there (kill: %v)", err)
	}
}

// MOONPORT_UPGRADE_FDS left in an environment, without the descriptors
// an upgrade passes, is refused: the process must not write into a
// file it takes for the readiness pipe.
func TestNewRefusesAStrayVariable(t *testing.T) {
	dir := t.TempDir()
	regular, err := os.Create(filepath.Join(dir, "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, tc := range []struct {
		value string
		files []*os.File
		want  string
	}{
		{"", []*os.File{regular}, "file descriptor 3 is not the readiness pipe"},
		{"4:tcp4:127.0.0.1:1", []*os.File{w, regular}, "file descriptor 4 is not the socket tcp4 127.0.0.1:1"},
		{"200:tcp4:127.0.0.1:1", []*os.File{w}, "the socket tcp4 127.0.0.1:1 should be file descriptor 200"},
		{"4:tcp4", []*os.File{w}, "is incomplete"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), roleEnv+"=new", envFds+"="+tc.value)
		cmd.ExtraFiles = tc.files
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s=%q: %v %q; want %q", envFds, tc.value, err, out, tc.want)
		}
	}
	if fi, _ := regular.Stat(); fi.Size() != 0 {
		t.Error("a process wrote into a file it took for the readiness pipe")
	}
}

// wantNonblocking fails unless sock's descriptor is in non-blocking mode,
// as Go's poller needs: a blocking listening socket ties up a thread in
// accept, and its Close waits for a connection to arrive.
func wantNonblocking(t *testing.T, sock any) {
	t.Helper()
	rc, err := sock.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	var ferr error
	rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if ferr != nil {
		t.Fatal(ferr)
	}
	if flags&unix.O_NONBLOCK == 0 {
		t.Error("the socket was left in blocking mode")
	}
}
