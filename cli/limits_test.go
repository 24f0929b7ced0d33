package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestCheckConfigRefusesOutOfRangeValues: a size, count or time past its
func TestCheckConfigRefusesOutOfRangeValues(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
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
		{"lua_timeout = 1e12", "lua_timeout = 1e+12: expected 0 (off) or seconds from 0.001 to 3600"},
		{"http_max_content_size = 1e15", "http_max_content_size = 1e+15: expected a whole number of bytes from 1 to 1073741824"},
		{"http_max_header_size = 1e12", "http_max_header_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"http_idle_timeout = -1", "http_idle_timeout = -1: expected a number of seconds from 0 to 86400"},
		{"multiplex_buffer_size = 1e12", "multiplex_buffer_size = 1e+12: expected a whole number of bytes from 1 to 1048576"},
		{"removed_listener_grace = 1e300", "removed_listener_grace = 1e+300: expected a number of seconds from 0 to 2592000"},
	} {
		cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { 7 }\n%s\n", dir, c.line))
		code, out, errOut := runCLI(t, "check", "config", "--config", cfg)
		if code != exitConfig || !strings.Contains(out, "FAIL  "+cfg+":5: ") || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want %d and %q at %s:5\n%s%s", c.line, code, exitConfig, c.want, cfg, out, errOut)
		}
	}
}

func TestCheckConfigBoundsWhatTheConfigReads(t *testing.T) {
	big := testenv.WriteConfig(t, "a = 1\n")
	if err := os.Truncate(big, 50<<20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	start := time.Now()
	code, errOut, _ := runCLI(t, "check", "config", "--config", big)
	if code != exitConfig || !strings.Contains(errOut, "FAIL  config file "+big+" is 52428800 bytes, more than the 1048576 bytes (1 MiB) a config file may have") {
		t.Errorf("50 MB config: exit %d\n%s", code, errOut)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to refuse a 50 MB config", d)
	}
	cfg := testenv.WriteConfig(t, "secret = FileContents \"pipe\"\n")
	fifo := filepath.Join(filepath.Dir(cfg), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() { _, o, _ := runCLI(t, "check", "config", "--config", cfg); done <- o }()
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

// TestCheckConfigRefusesWrongTypes: a global option of the wrong type
// stops check config with exit 1, naming file, line, option and value; it
// used to pass with exit 0 and run with the default.
func TestCheckConfigRefusesWrongTypes(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`max_connections = "lots"`, `max_connections = "lots": expected a number (a whole number of connections from 1 to 1048576), not a string`},
		{`strict_binding = "yes"`, `strict_binding = "yes": expected true or false, not a string`},
	} {
		cfg := testenv.WriteConfig(t, "modules_enabled = { }\n"+c.line+"\n")
		code, out, errOut := runCLI(t, "check", "config", "--config", cfg)
		if code != exitConfig || !strings.Contains(out, "FAIL  "+cfg+":2: "+c.want) {
			t.Errorf("%s: exit %d, want %d and %s:2: %s\n%s%s", c.line, code, exitConfig, cfg, c.want, out, errOut)
		}
	}
}
