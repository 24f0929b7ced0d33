package upgrade

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// socketFds counts this process's file descriptors that refer to the
// socket sock (by its inode), sock's own included.
func socketFds(sock syscall.Conn) (int, error) {
	rc, err := sock.SyscallConn()
	if err != nil {
		return 0, err
	}
	var st syscall.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstat(int(fd), &st) }); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, serr
	}
	links, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && target == fmt.Sprintf("socket:[%d]", st.Ino) {
			n++
		}
	}
	return n, nil
}

func wantFds(t *testing.T, sock any, want int) {
	t.Helper()
	n, err := socketFds(sock.(syscall.Conn))
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%d file descriptor(s) refer to the socket; want %d", n, want)
	}
}

func newUpgrader(t *testing.T) *Upgrader {
	t.Helper()
	u, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func listenTCP(t *testing.T, u *Upgrader, addr string) (net.Listener, func()) {
	t.Helper()
	ln, release, err := u.Listen("tcp4", addr, func() (net.Listener, error) { return net.Listen("tcp4", addr) })
	if err != nil {
		t.Fatal(err)
	}
	return ln, release
}

func listenUDP(t *testing.T, u *Upgrader, addr string) (net.PacketConn, func()) {
	t.Helper()
	pc, release, err := u.ListenPacket("udp4", addr, func() (net.PacketConn, error) { return net.ListenPacket("udp4", addr) })
	if err != nil {
		t.Fatal(err)
	}
	return pc, release
}

// registered is the keys an upgrade would hand over now.
func registered(t *testing.T, u *Upgrader) []string {
	t.Helper()
	keys, files, err := u.begin()
	if err != nil {
		t.Fatal(err)
	}
	closeAll(files)
	u.mu.Lock()
	u.upgrading = false
	u.mu.Unlock()
	return keys
}

// A registered socket has no second descriptor while it is open, and
// once closed and released its address is free and it is not handed over.
func TestClosedSocketIsReleased(t *testing.T) {
	u := newUpgrader(t)
	ln, releaseTCP := listenTCP(t, u, "127.0.0.1:0")
	pc, releaseUDP := listenUDP(t, u, "127.0.0.1:0")
	tcpAddr, udpAddr := ln.Addr().String(), pc.LocalAddr().String()
	wantFds(t, ln, 1)
	wantFds(t, pc, 1)
	want := []string{"tcp4 " + tcpAddr, "udp4 " + udpAddr}
	if got := registered(t, u); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("registered %q, want %q", got, want)
	}

	ln.Close()
	releaseTCP()
	pc.Close()
	releaseUDP()
	releaseTCP() // a second time does nothing
	if got := registered(t, u); len(got) != 0 {
		t.Errorf("closed sockets would still be handed over: %q", got)
	}
	l, err := net.Listen("tcp4", tcpAddr)
	if err != nil {
		t.Fatalf("the closed listener's address is still taken: %v", err)
	}
	l.Close()
	c, err := net.ListenPacket("udp4", udpAddr)
	if err != nil {
		t.Fatalf("the closed UDP socket's address is still taken: %v", err)
	}
	c.Close()
}

// A socket closed but not yet released is left out of a hand-over
// without failing it; releasing an older socket of a key leaves a newer
// one of the same key registered.
func TestClosingSocketIsNotHandedOver(t *testing.T) {
	u := newUpgrader(t)
	first, releaseFirst := listenTCP(t, u, "127.0.0.1:0")
	addr := first.Addr().String()
	first.Close()
	if got := registered(t, u); len(got) != 0 {
		t.Errorf("a closed socket would be handed over: %q", got)
	}
	second, releaseSecond := listenTCP(t, u, addr)
	defer second.Close()
	releaseFirst()
	if got := registered(t, u); len(got) != 1 || got[0] != "tcp4 "+addr {
		t.Errorf("after the old socket's release: registered %q, want the new one", got)
	}
	releaseSecond()
	if got := registered(t, u); len(got) != 0 {
		t.Errorf("registered %q after both releases", got)
	}
}

// The pool tells a busy port from other failures by the open function's
// error, which must come back unchanged.
func TestOpenErrorComesBackUnchanged(t *testing.T) {
	u := newUpgrader(t)
	want := fmt.Errorf("bind: %w", syscall.EADDRINUSE)
	_, release, err := u.Listen("tcp4", "127.0.0.1:1", func() (net.Listener, error) { return nil, want })
	if err != want || release != nil {
		t.Errorf("Listen = %v, %v; want the open function's error", release != nil, err)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Error("EADDRINUSE is lost")
	}
	if got := registered(t, u); len(got) != 0 {
		t.Errorf("a failed open was registered: %q", got)
	}
}
