package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/lua/bridge"
)

const defaultConfigName = "prosody.cfg.lua"

// commandConfig is a command's evaluated config and the arguments after
// its flags.
type commandConfig struct {
	snap  *config.Snapshot
	extra []bridge.Source // the embedded example modules, for the embedded default config
	args  []string
}

// configFor parses the flags of command name (--config, or -c) and
// evaluates the config they name. Only a command that takesArgs (shell:
// the console command) may have arguments after them. On an error it has
// said why on stderr, and the code is not exitOK.
func (inv *invocation) configFor(name string, args []string, takesArgs bool) (commandConfig, int) {
	cmd, _ := lookup(strings.Fields(name)[0])
	fl := flag.NewFlagSet("moonport "+name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	cfgPath := fl.String("config", "", "")
	fl.StringVar(cfgPath, "c", "", "")
	if err := fl.Parse(args); errors.Is(err, flag.ErrHelp) {
		commandHelp(inv.stdout, cmd)
		return commandConfig{}, exitHelped
	} else if err != nil {
		return commandConfig{}, badFlag(inv, cmd, err)
	}
	if fl.NArg() > 0 && !takesArgs {
		return commandConfig{}, badArgs(inv.stderr, cmd, fl.Args())
	}
	snap, extra, err := inv.loadConfig(*cfgPath)
	if err != nil && slices.Contains(consoleCommands, name) {
		snap, err = salvageConsoleConfig(inv.configPath(*cfgPath), err, inv.stderr)
	}
	if err != nil {
		fmt.Fprintln(inv.stderr, "moonport: config error:", err)
		return commandConfig{}, exitConfig
	}
	return commandConfig{snap: snap, extra: extra, args: fl.Args()}, exitOK
}

// flagsOfConfig are the flags of a command that reads a config.
var flagsOfConfig = []string{"config", "c", "help", "h"}

// badFlag reports a flag command cmd does not take (with the nearest one
// it does) or one without its value.
func badFlag(inv *invocation, cmd command, err error) int {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		f = strings.TrimLeft(f, "-")
		msg = fmt.Sprintf("unknown flag --%s%s", f, didYouMean(f, flagsOfConfig, "--"))
	}
	fmt.Fprintf(inv.stderr, "moonport %s: %s\nUsage: moonport %s (moonport help %s)\n",
		cmd.Name, msg, strings.TrimSpace(cmd.Name+" "+cmd.Usage), cmd.Name)
	return exitUsage
}

// loadConfig finds and evaluates the config. The embedded default comes
// with the example modules to serve.
func (inv *invocation) loadConfig(path string) (*config.Snapshot, []bridge.Source, error) {
	path = inv.configPath(path)
	if path != "" {
		snap, err := luaconfig.Load(path)
		return snap, nil, err
	}
	src, err := fs.ReadFile(inv.build.Examples, "examples/default.cfg.lua")
	if err != nil {
		return nil, nil, err
	}
	snap, err := luaconfig.Evaluate("embedded:default.cfg.lua", src)
	mods, _ := fs.Sub(inv.build.Examples, "examples/modules")
	return snap, []bridge.Source{core.FS("embedded example modules", mods)}, err
}

// configPath is the config file --config names, else ./prosody.cfg.lua
// if present, else "" (the embedded default).
func (inv *invocation) configPath(path string) string {
	if path == "" {
		if _, err := os.Stat(defaultConfigName); err == nil {
			path = defaultConfigName
		}
	}
	return path
}

// newHost loads the config's modules and plans its listeners, logging at
// level, to serve them.
func (inv *invocation) newHost(cfg commandConfig, level logrus.Level) (*core.Host, *logrus.Logger, int) {
	log := logrus.New()
	log.SetLevel(level)
	modules, _ := fs.Sub(inv.build.Shipped, "modules")
	h, err := core.New(core.Options{Config: cfg.snap, Log: log, Extra: cfg.extra, Shipped: []bridge.Source{core.FS("shipped modules", modules)}})
	if err != nil {
		fmt.Fprintln(inv.stderr, "moonport: error:", err)
		return nil, nil, exitConfig
	}
	return h, log, exitOK
}

// dryHost is the host of a command that only reads (check, ports): it
// changes nothing on disk and opens no connection. The log files are
// only named, the modules load in a sandbox, and the log (warnings and
// up, the modules' lines too) goes to logged, never to the config's
// sinks.
func (inv *invocation) dryHost(cfg commandConfig, logged io.Writer) (*core.Host, error) {
	modules, _ := fs.Sub(inv.build.Shipped, "modules")
	return core.New(core.Options{Config: cfg.snap, Log: logrus.New(), Extra: cfg.extra, Check: logged,
		Shipped: []bridge.Source{core.FS("shipped modules", modules)}})
}

// checkHost is dryHost for `moonport check`: an error is the config
// check's failure, and the log goes to logged, for the report.
func (inv *invocation) checkHost(cfg commandConfig, what string, logged io.Writer) (*core.Host, int) {
	h, err := inv.dryHost(cfg, logged)
	if err != nil {
		return nil, failedCheck(inv.stdout, what, cfg.snap.Path, err.Error())
	}
	return h, exitOK
}

// checkConfigFor is configFor for `moonport check`: a config that does
// not evaluate is reported as any check's failure, on stdout; usage
// errors stay on stderr.
func (inv *invocation) checkConfigFor(what string, args []string) (commandConfig, int) {
	var msg bytes.Buffer
	stderr := inv.stderr
	inv.stderr = &msg
	cfg, code := inv.configFor("check "+what, args, false)
	inv.stderr = stderr
	if code != exitConfig {
		_, _ = io.Copy(stderr, &msg)
		return cfg, code
	}
	return cfg, failedCheck(inv.stdout, what, "", strings.TrimPrefix(strings.TrimSpace(msg.String()), "moonport: config error: "))
}

// failedCheck reports a config that did not load in the format of every
// check: its error as the config check's one failure.
func failedCheck(out io.Writer, what, path, msg string) int {
	fmt.Fprintf(out, "== config\n%s  %s\n", check.Fail, msg)
	return summary(out, what, path, check.Results{{Level: check.Fail}})
}

// lockedBuffer is the modules' log during a check: written by their
// goroutines (a timer may fire), read by the report.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
