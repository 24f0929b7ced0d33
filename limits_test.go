package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCheckConfigRefusesOutOfRangeValues: a size, count or time past its
// bound (1e12 where 1e6 was meant) is an error naming file:line, the
// option, the value and the allowed range, not a server that dies on its
// first connection.
func TestCheckConfigRefusesOutOfRangeValues(t *testing.T) {
	dir, _ := filepath.Abs("examples/modules")
	for _, c := range []struct{ line, want string }{
		{"network_settings = { read_size = 1e12 }", "network_settings: read_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"network_settings = { max_send_buffer_size = 1e15 }", "max_send_buffer_size = 1e+15: expected a whole number of bytes from 1 to 1073741824"},
		{"network_settings = { max_receive_buffer_size = 1e15 }", "max_receive_buffer_size = 1e+15: expected a whole number of bytes from 1 to 1073741824"},
		{"network_settings = { tcp_backlog = 1e9 }", "tcp_backlog = 1e+09: expected a whole number of connections from 1 to 65535"},
		{"network_settings = { read_timeout = 1e300 }", "read_timeout = 1e+300: expected a number of seconds from 0 to 2592000"},
		{"network_settings = { ttl = 1000 }", "ttl = 1000: expected a whole number of hops from 1 to 255"},
		{"network_settings = { tcp_keepalive = 1e9 }", "tcp_keepalive = 1e+09: expected true, false or a number of seconds from 1 to 32767"},
		{"network_settings = { accept_rate = 0/0 }", "accept_rate = NaN: expected connections per second, more than 0 and at most 1000000"},
		{"echo_read_size = 1e12", "echo_…: read_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"echo_max_connections = 1e12", "echo_max_connections = 1e+12: expected a whole number of connections from 1 to 1048576"},
		{`listeners = { x = { service = "echo", bind = "127.0.0.1:1", max_connections_per_ip = 1e12 } }`, "max_connections_per_ip = 1e+12: expected a whole number of connections from 1 to 1048576"},
		{"max_connections = 1e12", "max_connections = 1e+12: expected a whole number of connections from 1 to 1048576"},
		{"lua_timeout = 1e12", "lua_timeout = 1e+12: expected a number of seconds from 0 to 3600"},
		{"http_max_content_size = 1e15", "http_max_content_size = 1e+15: expected a whole number of bytes from 1 to 1073741824"},
		{"http_max_header_size = 1e12", "http_max_header_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"http_idle_timeout = -1", "http_idle_timeout = -1: expected a number of seconds from 0 to 86400"},
		{"multiplex_buffer_size = 1e12", "multiplex_buffer_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"removed_listener_grace = 1e300", "removed_listener_grace = 1e+300: expected a number of seconds from 0 to 2592000"},
	} {
		cfg := writeConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { 7 }\n%s\n", dir, c.line))
		code, out, errOut := runCLI(t, "check", "config", "--config", cfg)
		if code != exitConfig || !strings.Contains(errOut, cfg+":5: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, want %d and %q at %s:5\n%s%s", c.line, code, exitConfig, c.want, cfg, out, errOut)
		}
	}
}

// syncBuffer collects a child's output for polling.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLogged runs the binary and returns its output as it comes.
func startLogged(t *testing.T, bin string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the output never showed %q:\n%s", want, out.String())
}

// TestReloadRefusesOutOfRangeValue: a reload to read_size = 1e12 is
// refused with the reason, and the previous config keeps serving (it used
// to be taken, and the next connection killed the process).
func TestReloadRefusesOutOfRangeValue(t *testing.T) {
	bin := buildBinary(t)
	port := freePorts(t, 1)[0]
	cfg := echoConfig(t, port, "")
	cmd, out := startLogged(t, bin, "run", "--config", cfg)
	waitListen(t, port, true)
	echoes(t, port)
	body, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(body, "network_settings = { read_size = 1e12 }\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitOutput(t, out, "still running the previous config: "+cfg+":6: network_settings: read_size = 1e+12: expected a whole number of bytes from 1 to 1048576")
	echoes(t, port)
	echoes(t, port)
	if cmd.ProcessState != nil || strings.Contains(out.String(), "out of memory") {
		t.Fatalf("the server died:\n%s", out.String())
	}
}

// TestCheckConfigBoundsWhatTheConfigReads: a 50 MB config file is refused
// at once with the limit (it took 146 s before), and a named pipe read
// with FileContents is refused instead of blocking.
func TestCheckConfigBoundsWhatTheConfigReads(t *testing.T) {
	big := writeConfig(t, "a = 1\n")
	if err := os.Truncate(big, 50<<20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	start := time.Now()
	code, _, errOut := runCLI(t, "check", "config", "--config", big)
	if code != exitConfig || !strings.Contains(errOut, "config file "+big+" is 52428800 bytes, more than the 1048576 bytes (1 MiB) a config file may have") {
		t.Errorf("50 MB config: exit %d\n%s", code, errOut)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to refuse a 50 MB config", d)
	}
	cfg := writeConfig(t, "secret = FileContents \"pipe\"\n")
	fifo := filepath.Join(filepath.Dir(cfg), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() { _, _, e := runCLI(t, "check", "config", "--config", cfg); done <- e }()
	select {
	case e := <-done:
		if !strings.Contains(e, cfg+`:1: FileContents("pipe"): `+fifo+" is a named pipe (FIFO); the config reads only regular files") {
			t.Errorf("FileContents of a pipe: %s", e)
		}
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close() // let the blocked check end
		}
		t.Fatal("check config blocks on a named pipe")
	}
}

// TestReloadAfterANamedPipe: a reload whose config reads a named pipe
// fails at once, and later reloads work (the first used to block them all).
func TestReloadAfterANamedPipe(t *testing.T) {
	bin := buildBinary(t)
	ports := freePorts(t, 2)
	cfg := echoConfig(t, ports[0], "")
	fifo := filepath.Join(filepath.Dir(cfg), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	cmd, out := startLogged(t, bin, "run", "--config", cfg)
	waitListen(t, ports[0], true)
	good, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(append([]byte(nil), good...), "x = FileContents \"pipe\"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitOutput(t, out, "still running the previous config: "+cfg+`:6: FileContents(`) // the log escapes the quotes
	waitOutput(t, out, fifo+" is a named pipe (FIFO); the config reads only regular files")
	next := strings.Replace(string(good), fmt.Sprintf("echo_ports = { %d }", ports[0]), fmt.Sprintf("echo_ports = { %d, %d }", ports[0], ports[1]), 1)
	if err := os.WriteFile(cfg, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitListen(t, ports[1], true)
	echoes(t, ports[1])
}
