package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// consoleConfig writes a config with the console on 127.0.0.1:port and
// extra lines after.
func consoleConfig(t *testing.T, port int, extra string) string {
	t.Helper()
	shipped, _ := filepath.Abs("../modules")
	return testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"admin_telnet\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nconsole_ports = { %d }\nrun_as_root = true\n%s", shipped, port, extra))
}

// shellFails runs `moonport shell` and wants exit 4 with want in its
// output.
func shellFails(t *testing.T, env []string, bin, cfg, want string) {
	t.Helper()
	cmd := exec.Command(bin, "shell", "--config", cfg, "server:version()")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 4 || !strings.Contains(string(out), want) {
		t.Errorf("moonport shell: %v, want exit 4 and %q:\n%s", err, want, out)
	}
}

// TestConsoleSecret: the cookie lives in data_path (its folder made
// 0700); shell says which step failed; check sees a console it could not
// use and a cookie the server could not make.
func TestConsoleSecret(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	p := testenv.FreePorts(t, 3)
	state := filepath.Join(dir, "state", "moonport")
	cfg := consoleConfig(t, p[0], fmt.Sprintf("data_path = %q\n", state))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	if out := moonportShell(t, bin, cfg, "server:version()"); !strings.Contains(out, "OK") {
		t.Errorf("shell with the cookie in data_path:\n%s", out)
	}
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data_path folder: %v, mode %v; want 0700", err, fi)
	}
	if out, err := exec.Command(bin, "check", "--config", cfg).CombinedOutput(); !strings.Contains(string(out), "PASS  console at "+loopback(p[0])) {
		t.Errorf("check with the server running: %v\n%s", err, out)
	}

	shellFails(t, []string{"MOONPORT_CONSOLE_PASSWORD=wrong"}, bin, cfg, "wrong secret")
	other := consoleConfig(t, p[0], fmt.Sprintf("data_path = %q\n", filepath.Join(dir, "empty")))
	shellFails(t, nil, bin, other, "no cookie readable: cannot read the console cookie "+filepath.Join(dir, "empty", "console.cookie"))
	shellFails(t, nil, bin, consoleConfig(t, p[1], ""), "connection refused at "+loopback(p[1]))
	l, err := net.Listen("tcp4", loopback(p[2]))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 hello\r\n"))
			c.Close()
		}
	}()
	shellFails(t, nil, bin, consoleConfig(t, p[2], ""), "not a moonport console")
}

// TestConsoleCookieUnwritable: a server that cannot make its cookie says
// so at start; shell and check say why the console cannot be used.
func TestConsoleCookieUnwritable(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	port := testenv.FreePort(t, "tcp4")
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, nil, 0o644)
	logFile := filepath.Join(dir, "moonport.log")
	cfg := consoleConfig(t, port, fmt.Sprintf("data_path = %q\nlog = { info = %q }\n", filepath.Join(file, "state"), logFile))
	out, _ := exec.Command(bin, "check", "--config", cfg).CombinedOutput()
	if !strings.Contains(string(out), "FAIL  console cookie "+filepath.Join(file, "state", "console.cookie")) {
		t.Errorf("check without a server, the cookie's folder unwritable:\n%s", out)
	}
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	waitLog(t, logFile, "The console will refuse every session", 1)
	shellFails(t, nil, bin, cfg, "cannot check secrets")
	out, _ = exec.Command(bin, "check", "--config", cfg).CombinedOutput()
	if !strings.Contains(string(out), "FAIL  console: moonport shell cannot use the console") {
		t.Errorf("check with the server running, no cookie:\n%s", out)
	}
}

// TestShellBrokenConfig: with the config on disk broken, shell still
// reaches the server running the previous one, and says what it skipped.
func TestShellBrokenConfig(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	cfg := consoleConfig(t, port, "reload_on_change = false\n")
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	src, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(src, []byte("modules_enabled = {\n")...), 0o644)
	out, err := exec.Command(bin, "shell", "--config", cfg, "server:version()").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") || !strings.Contains(string(out), "skipped a config error") {
		t.Errorf("shell on a broken config: %v\n%s", err, out)
	}
}

// TestConsoleStateDirectory: without data_path the cookie lives in the
// unit's StateDirectory= ($STATE_DIRECTORY); shell, run without that
// variable, finds it through the pidfile.
func TestConsoleStateDirectory(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	port := testenv.FreePort(t, "tcp4")
	state := filepath.Join(dir, "lib", "moonport")
	cfg := consoleConfig(t, port, fmt.Sprintf("pidfile = %q\n", filepath.Join(dir, "moonport.pid")))
	testenv.Start(t, bin, testenv.Config(cfg), testenv.Env("STATE_DIRECTORY="+state))
	testenv.WaitListening(t, port, loopback(port))
	if _, err := os.Stat(filepath.Join(state, "console.cookie")); err != nil {
		t.Errorf("no cookie in $STATE_DIRECTORY: %v", err)
	}
	moonportShell(t, bin, cfg, "server:version()")
}
