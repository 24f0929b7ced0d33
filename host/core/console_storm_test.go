package core

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawSession is a console session usable from any goroutine: it reports
// problems as errors instead of failing the test.
type rawSession struct {
	c net.Conn
	r *bufio.Reader
}

func dialConsole(port int, password string) (*rawSession, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	s := &rawSession{c: c, r: bufio.NewReader(c)}
	for _, want := range []string{"moonport console", "Password:"} {
		l, err := s.r.ReadString('\n')
		if err != nil || !strings.HasPrefix(l, want) {
			c.Close()
			return nil, fmt.Errorf("login: got %q (%v), want %q", l, err, want)
		}
	}
	if _, st, err := s.run(password); err != nil || st != "OK: authenticated" {
		c.Close()
		return nil, fmt.Errorf("login: %q %v", st, err)
	}
	return s, nil
}

// run sends a line and reads up to its status line ("OK…" or "!…").
func (s *rawSession) run(line string) ([]string, string, error) {
	if _, err := fmt.Fprintf(s.c, "%s\n", line); err != nil {
		return nil, "", err
	}
	var out []string
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			return out, "", fmt.Errorf("%s: %v after %q", line, err, out)
		}
		l = strings.TrimRight(l, "\n")
		if strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "!") {
			return out, l, nil
		}
		out = append(out, l)
	}
}

// The console's Lua state serves one callback at a time even while
// operators log in and out in a storm and others run commands in a loop
// (each admin call used to let the next event into the same state).
func TestConsoleUnderConcurrentSessions(t *testing.T) {
	const password = "storm-password"
	// The storm is bounded in count as well as time: on a fast machine
	// 1.5 s made ~5000 connections, each a callback the console's one
	// state serves in turn, and conn:list() then had thousands of rows
	// to write before its 20 s read deadline (a CI failure under -race).
	const maxStorms = 1500
	_, console, echo := consoleHost(t, `console_password = "`+password+`"`)
	until := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	var storms, commands atomic.Int64
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(until) && storms.Load() < maxStorms {
				c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", console), 5*time.Second)
				if err != nil {
					t.Errorf("connect: %v", err)
					return
				}
				c.Close()
				storms.Add(1)
			}
		}()
	}
	for _, cmd := range []string{"port:list()", "server:memory()", "module:list()", "conn:list()", "stats:show()"} {
		wg.Add(1)
		go func(cmd string) {
			defer wg.Done()
			s, err := dialConsole(console, password)
			if err != nil {
				t.Error(err)
				return
			}
			defer s.c.Close()
			for time.Now().Before(until) {
				if _, st, err := s.run(cmd); err != nil || !strings.HasPrefix(st, "OK") {
					t.Errorf("%s: %q %v", cmd, st, err)
					return
				}
				commands.Add(1)
			}
		}(cmd)
	}
	wg.Wait()
	t.Logf("%d connect-and-close, %d commands", storms.Load(), commands.Load())
	openConsole(t, console, password).ok("server:version()")
	e := dial(t, echo)
	e.Send("alive\n")
	e.Expect("alive")
}

// A session can reload the console module itself and the config while
// others keep working: the answer arrives and the session goes on.
func TestConsoleReloadsItself(t *testing.T) {
	const password = "reload-password"
	_, console, _ := consoleHost(t, `console_password = "`+password+`"`)
	other := openConsole(t, console, password)
	until := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, err := dialConsole(console, password)
		if err != nil {
			t.Error(err)
			return
		}
		defer s.c.Close()
		for time.Now().Before(until) {
			if _, st, err := s.run("port:list()"); err != nil || !strings.HasPrefix(st, "OK") {
				t.Errorf("port:list() during reloads: %q %v", st, err)
				return
			}
		}
	}()
	prompted := dial(t, console) // at the password prompt across the reloads
	prompted.Line()
	prompted.Expect("Password:")
	s := openConsole(t, console, password)
	for i := 0; i < 3; i++ {
		s.ok(`module:reload("admin_telnet")`, "OK: reloaded admin_telnet")
		s.ok("server:version()", "OK: moonport")
		s.ok("config:reload()", "OK: config reloaded")
	}
	wg.Wait()
	other.ok("server:version()", "OK: moonport")
	prompted.Send(password + "\n")
	prompted.Expect("OK: authenticated")
	consoleSession{prompted, t}.ok("server:version()", "OK: moonport")
	s.Send("quit\n")
	s.Expect("OK: bye")
}
