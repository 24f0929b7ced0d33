package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestPublicConsoleStaysClosedAfterReload: a console reachable from other
// machines that has no password to ask for (none set, or console_auth =
// false) is never opened, at startup or by a reload, also when a reload
// is what adds the public address (such a reload is refused). A reload
// used to open it again: the console module only closed it at
// server-started.
func TestPublicConsoleStaysClosedAfterReload(t *testing.T) {
	bin := testenv.Binary(t)
	shipped, _ := filepath.Abs("../modules")
	for _, c := range []struct {
		name, secret string
		publicFirst  bool // public from the start, else added by the reload
	}{
		{"no console_password", "", true},
		{"console_auth = false, with a password", "console_auth = false\nconsole_password = \"correct horse battery\"\n", true},
		{"no console_password, public address added by a reload", "", false},
		{"console_auth = false, public address added by a reload", "console_auth = false\nconsole_password = \"correct horse battery\"\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testenv.FreePorts(t, 2)
			logFile := filepath.Join(t.TempDir(), "moonport.log")
			cfgFor := func(public bool) string {
				ports := fmt.Sprintf("%q", loopback(p[0]))
				if public {
					ports += fmt.Sprintf(", \"0.0.0.0:%d\"", p[1])
				}
				return fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "admin_telnet" }
console_ports = { %s }
run_as_root = true
reload_on_change = false
log = { { to = "file", filename = %q } }
%s`, shipped, ports, logFile, c.secret)
			}
			cfg := testenv.WriteConfig(t, cfgFor(c.publicFirst))
			cmd := testenv.Start(t, bin, testenv.Config(cfg))
			testenv.WaitListening(t, p[0], loopback(p[0]))
			refusals := 0
			if c.publicFirst {
				refusals++
				waitLog(t, logFile, "is reachable from other machines and stays closed", refusals)
			} else if err := os.WriteFile(cfg, []byte(cfgFor(true)), 0o644); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 2; i++ {
				if err := cmd.Signal(syscall.SIGHUP); err != nil {
					t.Fatal(err)
				}
				refusals++
				waitLog(t, logFile, "is reachable from other machines and stays closed", refusals)
				waitLog(t, logFile, "(SIGHUP)", i)
				if got := testenv.ListeningTCP(t, cmd.Pid()); strings.Join(got, " ") != loopback(p[0]) {
					t.Fatalf("after reload %d the process listens on %v; want only the loopback console %s", i, got, loopback(p[0]))
				}
			}
			if b, _ := os.ReadFile(logFile); strings.Contains(string(b), "keep it behind a firewall") {
				t.Errorf("a console without a password to ask was only warned about:\n%s", b)
			}
		})
	}
}
