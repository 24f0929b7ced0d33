package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestShellInATerminal drives `moonport shell` through a real terminal
// (tmux): a command, the history (arrow up), and quit.
func TestShellInATerminal(t *testing.T) {
	tmux := testenv.NeedTool(t, "tmux", "tmux")
	bin := testenv.Binary(t)
	shipped, _ := filepath.Abs("../modules")
	examples, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 2)
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { \"admin_telnet\", \"echo\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nconsole_ports = { %d }\necho_ports = { %d }\nlog = \"error\"\nrun_as_root = true\n", shipped, examples, p[0], p[1]))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))

	// One command: its output and exit status.
	out, err := exec.Command(bin, "shell", "--config", cfg, "port:list()").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2 listening socket(s)") {
		t.Fatalf("shell 'port:list()': %v\n%s", err, out)
	}
	if err := exec.Command(bin, "shell", "--config", cfg, "nope()").Run(); err == nil {
		t.Error("a failing command must exit non-zero")
	}
	if out, err := exec.Command(bin, "reload", "--config", cfg).CombinedOutput(); err != nil || !strings.Contains(string(out), "OK: config reloaded") {
		t.Errorf("moonport reload: %v\n%s", err, out)
	}

	session := fmt.Sprintf("moonport-test-%d", os.Getpid())
	tm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tm("new-session", "-d", "-s", session, "-x", "160", "-y", "50", bin+" shell --config "+cfg)
	defer exec.Command(tmux, "kill-session", "-t", session).Run()
	screen := func() string { return tm("capture-pane", "-p", "-t", session) }
	waitScreen := func(what string, count int) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if s := screen(); strings.Count(s, what) >= count {
				return s
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the terminal never showed %q %d time(s):\n%s", what, count, screen())
		return ""
	}
	waitScreen("moonport>", 1) // capture-pane drops trailing spaces
	tm("send-keys", "-t", session, "port:list()", "Enter")
	waitScreen("2 listening socket(s)", 1)
	tm("send-keys", "-t", session, "Up", "Enter") // history brings the command back
	s := waitScreen("2 listening socket(s)", 2)
	if strings.Count(s, "moonport> port:list()") != 2 {
		t.Errorf("history did not repeat the command:\n%s", s)
	}
	tm("send-keys", "-t", session, "server:versio", "Left", "Right", "n()", "Enter") // line editing
	waitScreen("OK: moonport", 1)
	tm("send-keys", "-t", session, "quit", "Enter")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command(tmux, "has-session", "-t", session).Run() != nil {
			return // the shell exited and took the session with it
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the shell did not exit on quit:\n%s", screen())
}
