package cli

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/core"
)

// consoleOption matches a config line that sets one of the options the
// console client needs: where the console listens and its secret.
var consoleOption = regexp.MustCompile(`^\s*(console_\w+|data_path|pidfile)\s*=`)

// consoleCommands are the commands that only talk to the running
// server's console: a config that fails to load does not stop them.
var consoleCommands = []string{"shell", "reload"}

// salvageConsoleConfig is the config `moonport shell` and `moonport
// reload` use when path fails to load with loadErr: the running server
// may still serve the previous one, and the client needs only the
// console's address and secret. It evaluates the lines of path that set
// console options alone, else nothing (the defaults), and says on stderr
// which error it skipped.
func salvageConsoleConfig(path string, loadErr error, stderr io.Writer) (*config.Snapshot, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, loadErr
	}
	var kept []string
	for _, line := range strings.Split(string(src), "\n") {
		if consoleOption.MatchString(line) {
			kept = append(kept, line)
		} else {
			kept = append(kept, "") // keep line numbers
		}
	}
	snap, err := luaconfig.Evaluate(path, []byte(strings.Join(kept, "\n")))
	how := "its console_*, data_path and pidfile lines"
	if err != nil {
		if snap, err = luaconfig.Evaluate(path, nil); err != nil {
			return nil, loadErr
		}
		how = "the default console settings"
	}
	fmt.Fprintf(stderr, "moonport: skipped a config error to reach the running server's console (using %s): %v\n", how, loadErr)
	return snap, nil
}

// consoleAccess is the console access shell uses: the config's, with the
// cookie of the running server (the pidfile's PID) when this process's
// environment does not say where the server's state folder is
// ($STATE_DIRECTORY of its systemd unit) and the config does not either.
func consoleAccess(snap *config.Snapshot) admin.Access {
	a := core.ConsoleAccess(snap)
	o := snap.Options
	if o.ConsoleCookieFile != "" || o.DataPath != "" || os.Getenv(admin.StateEnv) != "" {
		return a
	}
	pid := runningMoonport(o.Pidfile, false)
	if pid == 0 {
		return a
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return a
	}
	for _, kv := range strings.Split(string(env), "\x00") {
		if state, ok := strings.CutPrefix(kv, admin.StateEnv+"="); ok && state != "" {
			a.CookieFile = admin.CookiePath(snap.Path, "", "", state)
		}
	}
	return a
}
