package core

import (
	"strings"
	"testing"
)

// TestConsoleOffLoopbackWithoutAuthStaysClosed: console_auth = false on a
// public address is refused even with a console_password (the guard used
// to look only at the password, leaving an open remote console), and a
// reload does not open it either.
func TestConsoleOffLoopbackWithoutAuthStaysClosed(t *testing.T) {
	th, console, _ := consoleHost(t, `console_interfaces = { "0.0.0.0" }
console_auth = false
console_password = "long enough secret"`)
	th.waitLog(t, "level=error", "console on 0.0.0.0:", "is reachable from other machines and stays closed: console_auth = false turns its password off",
		"remove console_auth = false and set console_password", "console_interfaces = {")
	waitClosed(t, console)
	if err := th.Reload("test"); err == nil || !strings.Contains(err.Error(), "console_auth = false turns its password off") {
		t.Errorf("reload: %v", err)
	}
	waitClosed(t, console)
}

// TestConsoleSessionFromAnotherMachine: whatever socket a console session
// comes in on, a client off loopback gets no console without a password.
func TestConsoleSessionFromAnotherMachine(t *testing.T) {
	for _, c := range []struct {
		extra, peer string
		refused     bool
	}{
		{"console_auth = false", "192.0.2.7", true},
		{"console_auth = false\nconsole_password = \"long enough secret\"", "2001:db8::7", true},
		{"console_auth = false", "", true},
		{"", "192.0.2.7", true}, // the cookie proves nothing off this machine
		{"console_auth = false", "127.0.0.1", false},
		{"console_auth = false", "::1", false},
		{"console_auth = false", "::ffff:127.0.0.1", false},
		{"console_password = \"long enough secret\"", "192.0.2.7", false},
	} {
		th, _, _ := consoleHost(t, c.extra)
		secret, err := newConsole(th.Host).Call("console_secret", []any{c.peer})
		if c.refused != (err != nil) {
			t.Errorf("%q from %q: secret %v, error %v; want refused %v", c.extra, c.peer, secret, err, c.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "refused to "+c.peer+": ") {
			t.Errorf("%q from %q: %v", c.extra, c.peer, err)
		}
	}
}

// TestConsoleWhenTheServerIsFull: with max_connections reached, ordinary
// connections are refused but a console session from loopback still gets
// in, on the places kept for it (it used to be locked out just when it
// was needed).
func TestConsoleWhenTheServerIsFull(t *testing.T) {
	th, console, echo := consoleHost(t, "max_connections = 3\nconsole_password = \"long enough secret\"")
	for i := 0; i < 3; i++ {
		e := dial(t, echo)
		e.Send("hi\n")
		e.Expect("hi")
	}
	dial(t, echo).ExpectClosed()
	th.waitLog(t, "server full (max_connections)")
	s := openConsole(t, console, "long enough secret")
	s.ok("server:memory()", "connections  4")
	s2 := openConsole(t, console, "long enough secret") // moonport reload beside an open shell
	s2.ok("server:version()")
	// The places kept are for the console only, and only so many.
	dial(t, echo).ExpectClosed()
	third := dial(t, console)
	third.ExpectClosed()
}
