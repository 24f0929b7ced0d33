package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// spinModule loops for ever in onincoming, after saying so in the log.
const spinModule = `module:provides("net", { name = "spin", default_port = 1, listener = {
	onincoming = function(conn, data)
		module:log("info", "spinning now")
		while true do end
	end;
}})`

// SIGTERM ends the process within shutdown_deadline whatever Lua does,
// also with lua_timeout = 0 (no budget at all), and the log names the
// module still busy.
func TestShutdownDeadlineBoundsARunawayCallback(t *testing.T) {
	bin := testenv.Binary(t)
	for _, extra := range []string{"lua_memory_limit = 0", "lua_memory_limit = 64 * 1024 * 1024"} {
		t.Run(extra, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "mod_spin.lua"), []byte(spinModule), 0o644); err != nil {
				t.Fatal(err)
			}
			port := testenv.FreePorts(t, 1)[0]
			logFile := filepath.Join(dir, "moonport.log")
			cfg := filepath.Join(dir, "prosody.cfg.lua")
			body := fmt.Sprintf("modules_enabled = { \"spin\" }\ninterfaces = { \"127.0.0.1\" }\nspin_ports = { %d }\nrun_as_root = true\nlua_timeout = 0\n%s\nnetwork_settings = { shutdown_deadline = 1 }\nlog = { { to = \"file\", filename = %q } }\n", port, extra, logFile)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			proc := testenv.Start(t, bin, testenv.Config(cfg))
			testenv.WaitListening(t, port, loopback(port))
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "go\n")
			testenv.WaitFile(t, logFile, "spinning now", 10*time.Second)
			start := time.Now()
			proc.Signal(syscall.SIGTERM)
			select {
			case <-proc.Done():
			case <-time.After(15 * time.Second):
				t.Fatal("SIGTERM did not end the process with a callback looping")
			}
			t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
			if took := time.Since(start); took > 6*time.Second {
				t.Errorf("shutdown took %s with shutdown_deadline = 1", took)
			}
			b, _ := os.ReadFile(logFile)
			if !strings.Contains(string(b), "shutdown_deadline") || !strings.Contains(string(b), "module=spin") {
				t.Errorf("the log does not say which module held the shutdown up:\n%s", b)
			}
		})
	}
}

// Values of lua_timeout and lua_memory_limit that cannot be meant are
// errors naming the option and the value.
// A storm of console logins and commands does not bring the real
// process down.
func TestConsoleStormAgainstTheBinary(t *testing.T) {
	bin := testenv.Binary(t)
	p := testenv.FreePorts(t, 2)
	dir, _ := filepath.Abs("../examples/modules")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"admin_telnet\", \"echo\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nconsole_ports = { %d }\necho_ports = { %d }\nconsole_password = \"storm-password\"\nrun_as_root = true\nlog = \"error\"\n", dir, p[0], p[1]))
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	until := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for time.Now().Before(until) {
				if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p[0])); err == nil {
					c.Close()
				}
			}
		}()
		go func(cmd string) {
			defer wg.Done()
			for time.Now().Before(until) {
				if err := consoleCommand(p[0], "storm-password", cmd); err != nil {
					t.Errorf("%s: %v", cmd, err)
					return
				}
			}
		}([]string{"port:list()", "server:memory()"}[i])
	}
	wg.Wait()
	select {
	case <-proc.Done():
		t.Fatalf("moonport died under the console storm: %v", proc.State())
	default:
	}
	if err := consoleCommand(p[0], "storm-password", "server:version()"); err != nil {
		t.Fatal(err)
	}
	echoes(t, p[1])
}

// consoleCommand logs in and runs one command three times.
func consoleCommand(port int, password, cmd string) error {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "%s\n", password)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(c, "%s\n", cmd)
	}
	oks := 0
	for oks < 4 {
		l, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("after %d answers: %v", oks, err)
		}
		if strings.HasPrefix(l, "!") {
			return fmt.Errorf("%s", strings.TrimSpace(l))
		}
		if strings.HasPrefix(l, "OK") {
			oks++
		}
	}
	return nil
}
