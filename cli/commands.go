package cli

import (
	"fmt"
	"io"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// A command is one word of the command line (moonport check, moonport
// shell, …): help prints its Name, Usage and Short, and Run does it.
type command struct {
	Name  string // the word after moonport
	Usage string // its arguments and flags, as help shows them
	Short string // what it does, in one line
	// Run does the command with the arguments after its name and returns
	// the process's exit code.
	Run func(inv *invocation, args []string) int
}

// serveCommand is the command run without a name (no arguments, or a flag
// first): moonport serves.
const serveCommand = "run"

// commands is the command table: help prints it in this order and run
// looks names up in it. init fills it, since help's Run reads it.
var commands []command

func init() {
	commands = []command{
		{Name: serveCommand, Usage: "[--config FILE]", Short: "serve (the default command)", Run: runServe},
		{Name: "check", Usage: "[config|ports|certs|perms|storage] [--config FILE]", Short: "pre-flight checks (all of them without a name) and the firewall table", Run: runCheck},
		{Name: "ports", Usage: "[--config FILE]", Short: "print every listener it would bind", Run: runPorts},
		{Name: "shell", Usage: "[--config FILE] [COMMAND]", Short: "a session with the running server's console, or one command", Run: runShell},
		{Name: "reload", Usage: "[--config FILE]", Short: "make the running server reload its config", Run: runReload},
		{Name: "version", Short: "print the version, the Go that built it and the Lua VM", Run: runVersion},
		{Name: "help", Usage: "[COMMAND]", Short: "print this list, or a command's usage and flags", Run: runHelp},
	}
}

// lookup finds the command called name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.Name == name {
			return c, true
		}
	}
	return command{}, false
}

// shortColumn is where help starts each command's Short; a longer
// synopsis puts it on a line of its own.
const shortColumn = 37

// usage prints the command table.
func usage(w io.Writer) {
	fmt.Fprint(w, "moonport: a Lua-scriptable listener host with Prosody's config and module API\n\nUsage:\n")
	for _, c := range commands {
		name := c.Name
		if name == serveCommand {
			name = "[" + name + "]"
		}
		line := "  moonport " + strings.TrimSpace(name+" "+c.Usage)
		if len(line)+2 <= shortColumn { // two spaces at least before Short
			line += strings.Repeat(" ", shortColumn-len(line))
		} else {
			line += "\n" + strings.Repeat(" ", shortColumn)
		}
		fmt.Fprintln(w, line+c.Short)
	}
	fmt.Fprint(w, `
Without --config, ./prosody.cfg.lua is used if present, else the embedded
default config (the example echo and chat services on loopback).
`)
}

// runServe serves until SIGINT, SIGTERM, the console or an upgrade stops
// it.
func runServe(inv *invocation, args []string) int {
	inv.started = time.Now()
	signals := catchSignals()
	defer signal.Stop(signals)
	cfg, code := inv.configFor(serveCommand, args, false)
	if code != exitOK {
		return code
	}
	pidfile := cfg.snap.Options.Pidfile
	if pid := runningMoonport(pidfile, inv.upgrader != nil && inv.upgrader.Child()); pid != 0 {
		fmt.Fprintf(inv.stderr, "moonport: another moonport (PID %d) runs with the pidfile %s: stop it first (kill %d), or give this one another pidfile\n", pid, pidfile, pid)
		return exitRunning
	}
	h, log, code := inv.newHost(cfg, logrus.InfoLevel)
	if code != exitOK {
		return code
	}
	return inv.serve(h, log, signals)
}

// checks are the names `moonport check NAME` takes; none is all of them.
var checks = []string{"config", "ports", "certs", "perms", "storage"}

func runCheck(inv *invocation, args []string) int {
	what := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args = args[0], args[1:]
	}
	if what != "all" && !slices.Contains(checks, what) {
		fmt.Fprintf(inv.stderr, "moonport check: unknown check %q%s (config, ports, certs, perms, storage, or none for all)\n", what, didYouMean(what, checks, ""))
		return exitUsage
	}
	cfg, code := inv.checkConfigFor(what, args)
	if code != exitOK {
		return code
	}
	var logged lockedBuffer // the modules' log lines, shown in the report
	h, code := inv.checkHost(cfg, what, &logged)
	if code != exitOK {
		return code
	}
	defer h.Close()
	return preflight(h, cfg.snap, what, logged.String(), inv.stdout)
}

func runPorts(inv *invocation, args []string) int {
	cfg, code := inv.configFor("ports", args, false)
	if code != exitOK {
		return code
	}
	// The modules' warnings go to stderr, not to the config's log files:
	// listing the plan changes nothing on disk, as check does not.
	h, err := inv.dryHost(cfg, inv.stderr)
	if err != nil {
		fmt.Fprintln(inv.stderr, "moonport: error:", err)
		return exitConfig
	}
	h.Close()
	return printPorts(h, inv.stdout)
}

func runShell(inv *invocation, args []string) int {
	cfg, code := inv.configFor("shell", args, true)
	if code != exitOK {
		return code
	}
	return shell(cfg.snap, cfg.args, inv.stdin, inv.stdout, inv.stderr)
}

func runReload(inv *invocation, args []string) int {
	cfg, code := inv.configFor("reload", args, false)
	if code != exitOK {
		return code
	}
	return shell(cfg.snap, []string{"config:reload()"}, inv.stdin, inv.stdout, inv.stderr)
}
