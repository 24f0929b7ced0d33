package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

func echoConfig(t *testing.T, port int, extra string) string {
	t.Helper()
	dir, _ := filepath.Abs("examples/modules")
	return writeConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\n%s", dir, port, extra))
}

func echoes(t *testing.T, port int) {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "ping\n")
	buf := make([]byte, 5)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "ping\n" {
		t.Fatalf("echo: %q %v", buf[:n], err)
	}
}

func TestSocketActivation(t *testing.T) {
	activate := testenv.NeedTool(t, "systemd-socket-activate", "systemd")
	bin := buildBinary(t)
	port := freePorts(t, 1)[0]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\n", logFile))
	cmd := exec.Command(activate, "-l", fmt.Sprintf("127.0.0.1:%d", port), bin, "run", "--config", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	waitListen(t, port, true) // systemd-socket-activate's own socket
	echoes(t, port)           // answered by moonport through that socket
	b, _ := os.ReadFile(logFile)
	if !strings.Contains(string(b), "uses the socket systemd passed for 127.0.0.1:") || strings.Contains(string(b), "in use") {
		t.Errorf("moonport did not adopt the passed socket:\n%s", b)
	}
}

func TestSystemdNotifyAndLogReopen(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	sockPath := filepath.Join(dir, "notify.sock")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	port := freePorts(t, 1)[0]
	logFile := filepath.Join(dir, "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\n", logFile))
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sockPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	expect := func(want string) string {
		t.Helper()
		buf := make([]byte, 4096)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			sock.SetReadDeadline(deadline)
			n, err := sock.Read(buf)
			if err != nil {
				break
			}
			if msg := string(buf[:n]); strings.Contains(msg, want) {
				return msg
			}
		}
		t.Fatalf("systemd was never told %q", want)
		return ""
	}
	if msg := expect("READY=1"); !strings.Contains(msg, "STATUS=1 listener(s)") {
		t.Errorf("READY message: %q", msg)
	}
	echoes(t, port)
	cmd.Process.Signal(syscall.SIGHUP)
	if msg := expect("RELOADING=1"); !strings.Contains(msg, "MONOTONIC_USEC=") {
		t.Errorf("RELOADING message: %q", msg)
	}
	expect("READY=1")

	// logrotate: move the file away, SIGUSR1, and new lines go to a new file.
	rotated := logFile + ".1"
	if err := os.Rename(logFile, rotated); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(logFile); err == nil && strings.Contains(string(b), "Reopened log files") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no new log file after SIGUSR1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b, _ := os.ReadFile(rotated); !strings.Contains(string(b), "Reloaded (SIGHUP)") {
		t.Errorf("the rotated file lost its lines:\n%s", b)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
}
