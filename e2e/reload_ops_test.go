package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestNewFileInWildcardIncludeReloads: a file that appears in the folder
// of an `Include "conf.d/*.cfg.lua"` is picked up by the watcher, and one
// that goes is dropped.
func TestNewFileInWildcardIncludeReloads(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	mods, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 2)
	logFile := filepath.Join(dir, "moonport.log")
	confd := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confd, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	os.WriteFile(cfg, []byte(fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\nrun_as_root = true\nlog = { { to = \"file\", filename = %q } }\nInclude \"conf.d/*.cfg.lua\"\n",
		mods, p[0], logFile)), 0o644)
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))

	extra := filepath.Join(confd, "more.cfg.lua")
	os.WriteFile(extra, []byte(fmt.Sprintf("listeners = { more = { service = \"echo\", bind = %q } }\n", loopback(p[1]))), 0o644)
	waitReloaded(t, logFile, "changed", 1)
	testenv.WaitListening(t, p[1], loopback(p[1]))
	echoes(t, p[1])

	os.Remove(extra)
	waitReloaded(t, logFile, "changed", 2)
	testenv.WaitListening(t, p[1])
	testenv.WaitListening(t, p[0], loopback(p[0]))
}

// TestRunningAsRootWarnsOnce: run_as_root's warning is logged at startup,
// not again at each reload.
func TestRunningAsRootWarnsOnce(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("reload_on_change = false\nlog = { { to = \"file\", filename = %q } }\n", logFile))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "Running as root", 1)
	for i := 1; i <= 2; i++ {
		cmd.Signal(syscall.SIGHUP)
		waitReloaded(t, logFile, "SIGHUP", i)
	}
	b, _ := os.ReadFile(logFile)
	if n := strings.Count(string(b), "Running as root"); n != 1 {
		t.Errorf("%d warnings about running as root, want 1:\n%s", n, b)
	}
}

// TestConsoleModuleLoadFailureLeavesNoTrace: a module:load that fails does
// not make later reloads fail, and module:reload of a module that is not
// loaded is an error naming it.
func TestConsoleModuleLoadFailureLeavesNoTrace(t *testing.T) {
	bin := testenv.Binary(t)
	shipped, _ := filepath.Abs("../modules")
	examples, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 2)
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { \"admin_telnet\", \"echo\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nconsole_ports = { %d }\necho_ports = { %d }\nrun_as_root = true\nlog = \"error\"\n",
		shipped, examples, p[0], p[1]))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	shell := func(command string) (string, error) {
		out, err := exec.Command(bin, "shell", "--config", cfg, command).CombinedOutput()
		return string(out), err
	}
	if out, err := shell(`module:load("typo")`); err == nil || !strings.Contains(out, "module 'typo' not found") {
		t.Errorf("module:load of a missing module: %v\n%s", err, out)
	}
	if out, err := shell("config:reload()"); err != nil || !strings.Contains(out, "OK: config reloaded") {
		t.Errorf("a reload after the failed module:load: %v\n%s", err, out)
	}
	if out, err := shell(`module:reload("nonexistent")`); err == nil || !strings.Contains(out, "nonexistent") || !strings.Contains(out, "not loaded") {
		t.Errorf("module:reload of a module that is not loaded: %v\n%s", err, out)
	}
	if out, err := shell(`module:reload("echo")`); err != nil || !strings.Contains(out, "OK: reloaded echo") {
		t.Errorf("module:reload of a loaded module: %v\n%s", err, out)
	}
	if out, err := shell("config:reload()"); err != nil || !strings.Contains(out, "OK: config reloaded") {
		t.Errorf("a reload at the end: %v\n%s", err, out)
	}
	echoes(t, p[1])
}
