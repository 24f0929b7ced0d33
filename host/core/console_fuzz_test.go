package core

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/internal/testenv"
)

// fuzzAdmin passes every console request to the host's real admin, except
// the few that would end the fuzzing itself: closing a console session or
// the console's port, and unloading or reloading the console module (its
// sessions would go with it). Those get an error answer, which the module
// reports like any other.
type fuzzAdmin struct {
	real        consoleCalls
	h           *Host
	consolePort int
}

func (f *fuzzAdmin) Waits(name string) bool { return f.real.Waits(name) }

func (f *fuzzAdmin) Call(name string, args []any) (any, error) {
	switch name {
	case "close_conn":
		id, _ := arg(args, 0).(float64)
		for _, c := range f.h.Server.Conns() {
			if c.ID == uint64(id) && c.Service == admin.Service {
				return nil, errors.New("fuzz: console sessions stay open")
			}
		}
	case "close_port":
		if port, _ := arg(args, 0).(float64); int(port) == f.consolePort {
			return nil, errors.New("fuzz: the console's port stays open")
		}
	case "module_unload", "module_reload":
		if module, _ := arg(args, 0).(string); module == "admin_telnet" {
			return nil, errors.New("fuzz: the console module stays loaded")
		}
	}
	return f.real.Call(name, args)
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// consoleFuzzHost runs the shipped console module (and mod_echo, so there
// are connections and modules to list) in a real host, quietly.
func consoleFuzzHost(f *testing.F) (port int) {
	dir := f.TempDir()
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	console, echo := testenv.FreePort(f, "tcp4"), testenv.FreePort(f, "tcp4")
	cfg := fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "admin_telnet", "echo" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
echo_ports = { %d }
console_auth = false
log = { { to = "file", filename = %q, levels = { min = "error" } } }
`, shipped, examples, console, echo, filepath.Join(dir, "moonport.log"))
	path := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		f.Fatal(err)
	}
	snap, err := luaconfig.Load(path)
	if err != nil {
		f.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	h, err := New(Options{Config: snap, Log: log})
	if err != nil {
		f.Fatal(err)
	}
	h.Runtime.SetAdmin(&fuzzAdmin{real: newConsole(h), h: h, consolePort: console})
	if err := h.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(h.Shutdown)
	return console
}

// fuzzSession is one console connection, reused while it lasts.
type fuzzSession struct {
	nc    net.Conn
	r     *bufio.Reader
	probe int
}

func (s *fuzzSession) open(t *testing.T, port int) {
	nc, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatalf("the console does not answer: %v", err)
	}
	s.nc, s.r = nc, bufio.NewReader(nc)
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if banner, err := s.r.ReadString('\n'); err != nil || !strings.HasPrefix(banner, "moonport console") {
		t.Fatalf("banner %q, %v", banner, err)
	}
}

func (s *fuzzSession) close() {
	if s.nc != nil {
		s.nc.Close()
		s.nc = nil
	}
}

// FuzzConsoleLine sends arbitrary lines to the console module (the
// shipped mod_admin_telnet in a real host) and checks each gets exactly
// one answer, in the protocol's form: output lines starting with "| ",
// then one status line, "OK…" or "! …", and nothing after it. A probe
// line after each input shows where its answer ended.
func FuzzConsoleLine(f *testing.F) {
	for _, seed := range []string{
		"help", "help server", "help  port ", "help nonsense", "server:version()", "server:uptime()", "server:memory()",
		"port:list()", "port:close()", `port:close("x")`, "port:close(1)", "module:list()", `module:info("echo")`, "module:info()",
		`module:load("nope")`, `module:unload("echo")`, `module:load("echo")`, `module:reload("echo")`, `config:get("echo_ports")`,
		`config:get("*", "console_auth")`, "config:get()", "config:get(1, 2)", "conn:list()", `conn:list("echo")`, "conn:close()",
		`conn:close("x")`, "conn:close(99999)", "stats:show()", `log:level("warn")`, "log:level()", `log:level("chatty")`,
		"server", "server.version", "server:version(", "frobnicate()", `error("boom")`, "x = 1", "return", "return nil, 'why'",
		"return false", `"a\nb"`, "server:shutdown('fuzz')", "server:upgrade()", "%s%d", "\x00\xff", "ünïcödé()", "quit",
		"  ", "\r", "a\rb", "(function() end)()", "server:version() server:version()", "; ;", strings.Repeat("(", 200),
	} {
		f.Add(seed)
	}
	port := consoleFuzzHost(f)
	var s fuzzSession
	f.Cleanup(s.close)
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.ReplaceAll(line, "\n", " ") // one line; "\r" is dropped by the line mode
		if len(line) > 64<<10 {
			return
		}
		if s.nc == nil {
			s.open(t, port)
		}
		defer func() {
			if t.Failed() { // the next input starts on a fresh session
				s.close()
			}
		}()
		s.probe++
		probe := fmt.Sprintf("OK: probe-%d", s.probe)
		_ = s.nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(s.nc, "%s\n\"probe-%d\"\n", line, s.probe); err != nil {
			s.close()
			t.Fatalf("%q: the session is gone: %v", line, err)
		}
		want := 1
		if strings.Trim(line, "\r") == "" || strings.ReplaceAll(line, "\r", "") == "" {
			want = 0 // an empty line is not a command
		}
		var answer []string
		statuses := 0
		for {
			l, err := s.r.ReadString('\n')
			if err != nil {
				s.close()
				if statuses == 1 && want == 1 && answer[len(answer)-1] == "OK: bye\n" {
					return // quit ends the session, as it should
				}
				t.Fatalf("%q: the session ended (%v) after %q", line, err, answer)
			}
			if l == probe+"\n" {
				break
			}
			answer = append(answer, l)
			switch {
			case statuses > 0:
				t.Fatalf("%q: a line after the status: %q", line, answer)
			case strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "! "):
				statuses++
			case !strings.HasPrefix(l, "| "):
				t.Fatalf("%q: a line that is neither output nor status: %q", line, answer)
			}
		}
		if statuses != want {
			t.Fatalf("%q: %d status line(s), want %d: %q", line, statuses, want, answer)
		}
	})
}
