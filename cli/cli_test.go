package cli

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/host/watch"
	"github.com/moonport/moonport/internal/testenv"
)

// testBuild stands for main's embedded files with the repository's
// folders they are embedded from.
var testBuild = Build{Version: "test", Examples: os.DirFS(".."), Shipped: os.DirFS("..")}

// runCLI runs the command line in-process, without an upgrader as the
// tests' process is none to hand sockets on, and returns the exit code and
// what it printed.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	inv := &invocation{build: testBuild, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	code := inv.run(args)
	return code, out.String(), errOut.String()
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "moonport ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "check", "nonsense"); code != exitUsage || !strings.Contains(errOut, `unknown check "nonsense"`) {
		t.Errorf("check nonsense: %d %s", code, errOut)
	}
}

func TestPortsOnExampleConfig(t *testing.T) {
	code, out, errOut := runCLI(t, "ports", "--config", "../examples/prosody.cfg.lua")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"SERVICE  LISTENER   ADDRESS    PORT  TRANSPORT  ENCRYPTION  REACH",
		"echo     echo       127.0.0.1  7007  tcp4       none        local",
		"echo     echo_slow  127.0.0.1  7027  tcp4       none        local",
		"chat     chat       127.0.0.1  7008  tcp4       none        local",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ports output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	if code, out, errOut := runCLI(t, "check", "config", "--config", "../examples/prosody.cfg.lua"); code != exitOK || !strings.Contains(out, "PASS  config ../examples/prosody.cfg.lua evaluates cleanly") {
		t.Errorf("example config: exit %d\n%s%s", code, out, errOut)
	}
	dir, _ := filepath.Abs("../examples/modules")
	warn := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\nx = 1\nx = 2\nnetwork_settings = { bogus = 1 }\n", dir))
	code, out, _ := runCLI(t, "check", "config", "--config", warn)
	if code != exitWarnings || !strings.Contains(out, warn+":4: Duplicate option 'x'") || !strings.Contains(out, `unknown network setting "bogus"`) {
		t.Errorf("warnings: exit %d\n%s", code, out)
	}
	bad := testenv.WriteConfig(t, "a = 1\nb = {\n")
	code, errOut, _ := runCLI(t, "check", "config", "--config", bad)
	if code != exitConfig || !strings.Contains(errOut, "FAIL  "+bad+":") || !strings.Contains(errOut, "syntax error") || !strings.Contains(errOut, "(config not loaded)") {
		t.Errorf("syntax error: exit %d %q", code, errOut)
	}
	badPort := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\necho_ports = { \"nope\" }\n", dir))
	code, out, _ = runCLI(t, "check", "config", "--config", badPort)
	if code != exitConfig || !strings.Contains(out, badPort+`:3: option 'echo_ports' of service 'echo': "nope" is not a port`) {
		t.Errorf("bad port: exit %d\n%s", code, out)
	}
}

// A module that cannot be found is an error of check config, which goes
// on to report the rest (rule 2 of issue 15); strict_modules = true makes
// it stop the config as before; an XMPP module is a note, not an error.
func TestCheckConfigModulesThatDoNotLoad(t *testing.T) {
	missing := testenv.WriteConfig(t, "modules_enabled = { \"no_such_module\", \"roster\" }\nx = 1\nx = 2\n")
	code, out, _ := runCLI(t, "check", "config", "--config", missing)
	if code != exitConfig || !strings.Contains(out, "FAIL  module 'no_such_module' not found (host *)") ||
		!strings.Contains(out, missing+":3: Duplicate option 'x'") || strings.Contains(out, "FAIL  module 'roster'") ||
		!strings.Contains(out, "INFO  skipped XMPP modules, as moonport is not an XMPP server: roster") {
		t.Errorf("missing module: exit %d\n%s", code, out)
	}
	strict := testenv.WriteConfig(t, "modules_enabled = { \"no_such_module\" }\nstrict_modules = true\n")
	code, out, errOut := runCLI(t, "check", "config", "--config", strict)
	if code != exitConfig || !strings.Contains(out, "FAIL  ") || !strings.Contains(out, "module 'no_such_module' not found") || !strings.HasSuffix(out, "1 failure(s) (config "+strict+")\n") {
		t.Errorf("missing module with strict_modules: exit %d %q", code, errOut)
	}
}

func TestStrictBindingExitCode(t *testing.T) {
	blocker, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	port := blocker.Addr().(*net.TCPAddr).Port
	dir, _ := filepath.Abs("../examples/modules")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\nstrict_binding = true\nlog = \"error\"\n", dir, port))
	code, _, _ := runCLI(t, "run", "--config", cfg)
	if code != exitBind {
		t.Fatalf("exit %d, want %d", code, exitBind)
	}
}

func TestStrictBindingFailsOnBrokenTLS(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
	cfg := testenv.WriteConfig(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "smtp_sink" }
interfaces = { "127.0.0.1" }
smtp_ports = { }
listeners = { smtps = { service = "smtp", bind = "127.0.0.1:4659", tls = { implicit = true, certificate = "nope.crt", key = "nope.key" } } }
strict_binding = true
log = "error"
`, dir))
	code, out, _ := runCLI(t, "check", "config", "--config", cfg)
	if code != exitConfig || !strings.Contains(out, "TLS for listener smtps (127.0.0.1:4659)") || !strings.Contains(out, "nope.crt: cannot read certificate") {
		t.Errorf("check config: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "run", "--config", cfg); code != exitBind {
		t.Errorf("run: exit %d, want %d", code, exitBind)
	}
}

// TestRunReloadsOnChangeAndSIGHUP drives the real command: a config
// change is picked up by the watcher; with reload_on_change = false only
// SIGHUP reloads.
func TestRunReloadsOnChangeAndSIGHUP(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 4)
	cfgFor := func(watching bool, ports ...int) string {
		var list []string
		for _, x := range ports {
			list = append(list, fmt.Sprint(x))
		}
		return fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %s }\nreload_on_change = %v\nlog = \"error\"\nrun_as_root = true\n",
			dir, strings.Join(list, ", "), watching)
	}
	for _, watching := range []bool{true, false} {
		cfg := testenv.WriteConfig(t, cfgFor(watching, p[0]))
		done := make(chan int, 1)
		go func() { code, _, _ := runCLI(t, "run", "--config", cfg); done <- code }()
		testenv.WaitListening(t, p[0], loopback(p[0]))
		second := p[1]
		if !watching {
			second = p[2]
		}
		if err := os.WriteFile(cfg, []byte(cfgFor(watching, p[0], second)), 0o644); err != nil {
			t.Fatal(err)
		}
		if watching {
			testenv.WaitListening(t, second, loopback(second))
		} else {
			time.Sleep(4 * watch.Debounce) // the watcher would have acted by now
			testenv.WaitListening(t, second)
			syscall.Kill(os.Getpid(), syscall.SIGHUP)
			testenv.WaitListening(t, second, loopback(second))
		}
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not stop on SIGTERM")
		}
		testenv.WaitListening(t, p[0])
	}
}

func TestCheckSubcommands(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 1)
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\nlog = \"error\"\n", dir, p[0]))
	os.Chmod(cfg, 0o600)
	for _, what := range []string{"perms", "ports", "certs"} {
		if code, out, errOut := runCLI(t, "check", what, "--config", cfg); code != exitOK || !strings.Contains(out, "PASS") {
			t.Errorf("check %s on a good setup: exit %d\n%s%s", what, code, out, errOut)
		}
	}
	code, out, _ := runCLI(t, "check", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "== firewall") || !strings.Contains(out, fmt.Sprintf("%d/tcp  127.0.0.1  echo     echo      local only", p[0])) {
		t.Errorf("check: exit %d\n%s", code, out)
	}

	os.Chmod(cfg, 0o666)
	if code, out, _ := runCLI(t, "check", "perms", "--config", cfg); code != exitConfig || !strings.Contains(out, "FAIL  "+cfg+" (config file) is writable by everyone") {
		t.Errorf("check perms, world-writable config: exit %d\n%s", code, out)
	}
	os.Chmod(cfg, 0o600)
	l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if code, out, _ := runCLI(t, "check", "ports", "--config", cfg); code != exitConfig || !strings.Contains(out, "is in use by another program") {
		t.Errorf("check ports, port taken: exit %d\n%s", code, out)
	}
	bad := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\nlisteners = { s = { service = \"echo\", bind = \"127.0.0.1:%d\", tls = { implicit = true, certificate = \"gone.crt\", key = \"gone.key\" } } }\nlog = \"error\"\n", dir, p[0]+1))
	if code, out, _ := runCLI(t, "check", "certs", "--config", bad); code != exitConfig || !strings.Contains(out, "FAIL  TLS for listener s") {
		t.Errorf("check certs, missing certificate: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "check", "bogus"); code != exitUsage {
		t.Errorf("check bogus: exit %d", code)
	}
}

// check config warns, with file and line, about options nothing reads
// (issue 15, rule 9), and exits 2 for them as for any warning.
func TestCheckConfigUnknownOptions(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"forward\" }\nforward_upstream = \"127.0.0.1:1\"\nforward_upstreem = \"127.0.0.1:2\"\nauthentication = \"internal_hashed\"\n", dir))
	code, out, _ := runCLI(t, "check", "config", "--config", cfg)
	if code != exitWarnings || !strings.Contains(out, cfg+":4: option 'forward_upstreem' is read neither by moonport nor by any loaded module") ||
		!strings.Contains(out, cfg+":5: option 'authentication' is read") || strings.Contains(out, "'forward_upstream'") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "check", "--config", cfg)
	if code != exitWarnings || !strings.Contains(out, "WARN  "+cfg+":4: option 'forward_upstreem'") {
		t.Errorf("check (all): exit %d\n%s", code, out)
	}
}

// A config with host sections but no enabled VirtualHost exits 1 with
// Prosody's reason (issue 15, rule 5); the embedded default, which has no
// host section at all, still serves.
func TestNoEnabledVirtualHostExits1(t *testing.T) {
	cfg := testenv.WriteConfig(t, "VirtualHost \"x.example\"\nenabled = false\n")
	for _, cmd := range [][]string{{"run"}, {"check", "config"}, {"ports"}} {
		code, out, errOut := runCLI(t, append(cmd, "--config", cfg)...)
		errOut += out // check reports it on stdout, as its other failures
		if code != exitConfig || !strings.Contains(errOut, cfg+":1: No enabled VirtualHost entries found in the config file. At least one active host is required") {
			t.Errorf("%v: exit %d %q", cmd, code, errOut)
		}
	}
	if code, out, errOut := runCLI(t, "ports"); code != exitOK || !strings.Contains(out, "echo") {
		t.Errorf("ports of the embedded default: exit %d\n%s%s", code, out, errOut)
	}
}
