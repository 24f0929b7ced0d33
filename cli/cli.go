// Package cli owns moonport's command line: the table of commands, the
// serve loop and its signals, the console client behind shell and reload,
// the pre-flight report, systemd notification, the upgrade wiring and the
// privilege drop. It must not hold any step of serving itself (host/core
// and the packages it wires do) and must not embed files: main does, since
// go:embed reaches only the files under main's own folder.
package cli

import (
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/upgrade"
)

// Build is what main hands the command line: the version the binary was
// built as and the files embedded in it.
type Build struct {
	// Version is main.version, set with -ldflags "-X main.version=…".
	Version string
	// Examples holds examples/default.cfg.lua, the config served without
	// --config or ./prosody.cfg.lua, and examples/modules/, its modules.
	Examples fs.FS
	// Shipped holds modules/: the modules every config may enable.
	Shipped fs.FS
}

// Exit codes, documented in the README.
const (
	exitOK        = 0
	exitConfig    = 1 // the config or a module failed to load
	exitWarnings  = 2 // check config: warnings but no errors
	exitBind      = 3 // strict_binding and a port could not be opened
	exitConsole   = 4 // shell/reload: the console could not be reached, or the command failed
	exitPrivilege = 5 // root without prosody_user or run_as_root, or the drop failed
	exitRunning   = 6 // run: the pidfile names a moonport that still runs
	exitUsage     = 64
)

// An invocation is one run of the command line: the build it belongs to,
// the streams it talks through and, in a process that serves, the
// upgrader (in-process callers of run, the tests, have none).
type invocation struct {
	build          Build
	stdin          io.Reader
	stdout, stderr io.Writer
	upgrader       *upgrade.Upgrader
	started        time.Time // when run began serving, for the startup line
}

// Main runs the command line args (os.Args[1:]) as the moonport process
// and returns its exit code.
func Main(args []string, build Build) int {
	core.Version = build.Version
	inv := &invocation{build: build, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if name, _ := commandName(args); name == serveCommand {
		if !inv.startUpgrader() {
			return exitUsage
		}
	}
	return inv.run(args)
}

// run looks the command up in the table and runs it.
func (inv *invocation) run(args []string) int {
	if len(args) > 0 && slices.Contains(helpFlags, args[0]) {
		return runHelp(inv, args[1:])
	}
	if len(args) > 0 && slices.Contains(versionFlags, args[0]) {
		return runVersion(inv, args[1:])
	}
	name, args := commandName(args)
	cmd, ok := lookup(name)
	if !ok {
		unknownCommand(inv.stderr, name)
		return exitUsage
	}
	if code := cmd.Run(inv, args); code != exitHelped {
		return code
	}
	return exitOK
}

// commandName splits the command's name off args. Without one (no
// arguments, or a flag first) the command is serveCommand.
func commandName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return serveCommand, args
}
