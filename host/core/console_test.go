package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// consoleSession logs in to the console and runs commands.
type consoleSession struct {
	*testenv.LineClient
	t *testing.T
}

func openConsole(t *testing.T, port int, password string) consoleSession {
	t.Helper()
	c := dial(t, port)
	if banner := c.Line(); !strings.HasPrefix(banner, "moonport console") {
		t.Fatalf("banner %q", banner)
	}
	if password != "" {
		c.Expect("Password:")
		c.Send(password + "\n")
		c.Expect("OK: authenticated")
	}
	return consoleSession{c, t}
}

// cmd runs one command and returns its output lines and the status line.
func (s consoleSession) cmd(line string) ([]string, string) {
	s.t.Helper()
	s.Send(line + "\n")
	var out []string
	for {
		l := s.Line()
		if strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "!") {
			return out, l
		}
		out = append(out, strings.TrimPrefix(l, "| "))
	}
}

func (s consoleSession) ok(line string, want ...string) []string {
	s.t.Helper()
	out, status := s.cmd(line)
	all := strings.Join(append(out, status), "\n")
	if !strings.HasPrefix(status, "OK") {
		s.t.Fatalf("%s: %s", line, all)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			s.t.Errorf("%s: output lacks %q:\n%s", line, w, all)
		}
	}
	return out
}

func consoleHost(t *testing.T, extra string) (*testHost, int, int) {
	t.Helper()
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	console, echo := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "admin_telnet", "echo" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
echo_ports = { %d }
%s
`, shipped, examples, console, echo, extra), nil)
	return th, console, echo
}

func TestConsoleCommands(t *testing.T) {
	th, console, echo := consoleHost(t, `console_password = "hunter2hunter2"
api_token = "tok-123456"`)
	s := openConsole(t, console, "hunter2hunter2")
	e := dial(t, echo)
	e.Send("ping\n")
	e.Expect("ping")

	s.ok("help", "server", "port", "module", "config", "conn", "stats", "log")
	s.ok("help conn", "conn:list(service)", "conn:close(id)")
	s.ok("server:version()", "OK: moonport")
	s.ok("server:uptime()", "OK: up ")
	s.ok("server:memory()", "heap in use", "goroutines", "connections")
	out := s.ok("port:list()", "SERVICE  LISTENER  ADDRESS    PORT", fmt.Sprintf("echo     echo      127.0.0.1  %d", echo), "2 listening socket(s)")
	if len(out) != 3 {
		t.Errorf("port:list rows: %q", out)
	}
	s.ok("module:list()", "admin_telnet", "echo", "2 module(s)")
	s.ok(`module:info("echo")`, "echo on *", "services     echo", "connections  1")
	s.ok(`config:get("echo_ports")`, fmt.Sprintf("OK: { %d }", echo))
	s.ok(`config:get("*", "console_password")`, `OK: "[redacted]"`)
	s.ok(`config:get("api_token")`, `OK: "[redacted]"`)
	s.ok(`config:get("nothing_here")`, "OK: nil")
	out = s.ok("conn:list()", "ID", "PEER", "TLS", "AGE", "2 connection(s)")
	var echoID string
	for _, l := range out {
		if f := strings.Fields(l); len(f) > 2 && f[1] == "echo" {
			echoID = f[0]
		}
	}
	s.ok(`conn:list("echo")`, "1 connection(s)", "5 B")
	s.ok("stats:show()", "LISTENER", "ACCEPTED", "LUA ERRORS", "reloads: 0 (0 failed)")
	s.ok(`log:level("debug")`, "OK: logging from debug")
	s.ok(`log:reopen()`, "OK: log files reopened")
	if _, st := s.cmd(`log:level("chatty")`); !strings.Contains(st, `unknown level "chatty"`) {
		t.Errorf("bad level: %s", st)
	}
	s.ok(`log:level("default")`)
	s.ok("config:reload()", "OK: config reloaded")
	s.ok("stats:show()", "reloads: 1 (0 failed)")
	s.ok(`module:reload("echo")`, "OK: reloaded echo")
	s.ok(`module:unload("echo")`, "OK: unloaded echo")
	if got := listening(t, []int{echo}); len(got) != 0 {
		t.Errorf("echo still listens after module:unload: %v", got)
	}
	s.ok(`module:load("echo")`, "OK: loaded echo")
	if got := listening(t, []int{echo}); len(got) != 1 {
		t.Errorf("echo does not listen after module:load: %v", got)
	}
	e.Send("still here\n") // its connection survived all of that
	e.Expect("still here")
	s.ok("conn:close("+echoID+")", "closing connection "+echoID)
	e.ExpectClosed()
	s.ok(fmt.Sprintf("port:close(%d)", echo), "closed 1 socket(s)")
	if got := listening(t, []int{echo}); len(got) != 0 {
		t.Errorf("port:close left %v", got)
	}
	// Errors are one line and the session goes on.
	for cmd, want := range map[string]string{
		"frobnicate()":        "! unknown command 'frobnicate'",
		"server:version(":     "! Syntax error",
		`module:info("nope")`: "! module 'nope' is not loaded",
		"port:close(1)":       "! nothing listens on port 1",
		"server":              "is a section or command, not a call",
		`error("boom")`:       "! unknown command 'error'",
	} {
		if _, st := s.cmd(cmd); !strings.Contains(st, want) {
			t.Errorf("%s: %q, want %q", cmd, st, want)
		}
	}
	s.ok("server:version()")
	// Secrets never reach the log.
	th.Log.Warnf("about to print %s and %s", "hunter2hunter2", "tok-123456")
	line := th.waitLog(t, "about to print")
	if strings.Contains(line, "hunter2") || strings.Contains(line, "tok-123456") || !strings.Contains(line, "[redacted] and [redacted]") {
		t.Errorf("secrets in the log: %s", line)
	}
	s.Send("quit\n")
	s.Expect("OK: bye")
	s.ExpectClosed()
	s2 := openConsole(t, console, "hunter2hunter2")
	s2.ok("server:shutdown(\"test\")", "shutting down")
	select {
	case why := <-th.ShutdownRequested():
		if why != "test" {
			t.Errorf("shutdown reason %q", why)
		}
	case <-time.After(5 * time.Second):
		t.Error("server:shutdown did not ask the process to stop")
	}
}

func TestConsoleAuthentication(t *testing.T) {
	th, console, _ := consoleHost(t, `console_password = "right-password"`)
	c := dial(t, console)
	c.Line()
	c.Expect("Password:")
	start := time.Now()
	c.Send("wrong\n")
	c.Expect("! Wrong password")
	c.ExpectClosed()
	th.waitLog(t, "console: wrong or missing password from 127.0.0.1", "1 failure(s)")
	// A command instead of the password is refused too, and later tries wait longer.
	c = dial(t, console)
	c.Line()
	c.Expect("Password:")
	c.Send("server:version()\n")
	c.Expect("! Wrong password")
	if time.Since(start) < 250*time.Millisecond {
		t.Error("failures are not delayed")
	}
	th.waitLog(t, "2 failure(s)")
	openConsole(t, console, "right-password").ok("server:version()")
}

func TestConsoleCookie(t *testing.T) {
	th, console, _ := consoleHost(t, "")
	cookie := filepath.Join(th.dir, "console.cookie")
	s := dial(t, console)
	s.Line()
	s.Expect("Password:")
	st, err := os.Stat(cookie)
	if err != nil {
		t.Fatalf("no cookie made: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cookie mode %04o, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(cookie)
	secret := strings.TrimSpace(string(b))
	if len(secret) < 32 {
		t.Errorf("cookie %q is too short to be a secret", secret)
	}
	s.Send(secret + "\n")
	s.Expect("OK: authenticated")
	consoleSession{s, t}.ok("server:version()")
}

func TestConsoleWithoutAuthOnLoopback(t *testing.T) {
	_, console, _ := consoleHost(t, "console_auth = false")
	openConsole(t, console, "").ok("server:version()")
}

func TestConsoleOffLoopbackNeedsAPassword(t *testing.T) {
	// Bound to every IPv4 address (still only dialled on loopback here).
	th, console, _ := consoleHost(t, `console_interfaces = { "0.0.0.0" }`)
	th.waitLog(t, "is reachable from other machines and stays closed: console_password is not set")
	waitClosed(t, console)

	th2, console2, _ := consoleHost(t, `console_interfaces = { "0.0.0.0" }
console_password = "long enough secret"`)
	th2.waitLog(t, "reachable from other machines; keep it behind a firewall")
	openConsole(t, console2, "long enough secret").ok("server:version()")
}

// waitClosed waits until this process holds no listening socket on port
// (other processes' sockets, from tests running beside, do not count).
func waitClosed(t *testing.T, port int) {
	t.Helper()
	suffix := fmt.Sprintf(":%d", port)
	deadline := time.Now().Add(5 * time.Second)
	for {
		open := false
		for _, a := range testenv.ListeningTCP(t, os.Getpid()) {
			open = open || strings.HasSuffix(a, suffix)
		}
		if !open {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %d still listening", port)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
