// Command moonport is a Lua-scriptable listener host: it reads a
// Prosody-style prosody.cfg.lua, loads Lua modules written against
// Prosody's net API and serves their TCP listeners.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cloudflare/tableflip"
	"github.com/coreos/go-systemd/v22/activation"
	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/privilege"
	"github.com/moonport/moonport/host/reload"
	"github.com/moonport/moonport/lua/bridge"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

//go:embed examples/default.cfg.lua examples/modules
var examples embed.FS

//go:embed modules
var shipped embed.FS

const defaultConfigName = "prosody.cfg.lua"

// Exit codes, documented in the README.
const (
	exitOK        = 0
	exitConfig    = 1 // the config or a module failed to load
	exitWarnings  = 2 // check config: warnings but no errors
	exitBind      = 3 // strict_binding and a port could not be opened
	exitConsole   = 4 // shell/reload: the console could not be reached, or the command failed
	exitPrivilege = 5 // root without prosody_user or run_as_root, or the drop failed
	exitUsage     = 64
)

func usage(w io.Writer) {
	fmt.Fprint(w, `moonport: a Lua-scriptable listener host with Prosody's config and module API

Usage:
  moonport [run] [--config FILE]     serve (the default command)
  moonport check [config|ports|certs|perms] [--config FILE]
                                     pre-flight checks (all of them without a name) and the firewall table
  moonport ports [--config FILE]     print every listener it would bind
  moonport shell [--config FILE] [COMMAND]
                                     a session with the running server's console, or one command
  moonport reload [--config FILE]    make the running server reload its config
  moonport version                   print the version

Without --config, ./prosody.cfg.lua is used if present, else the embedded
default config (the example echo and chat services on loopback).
`)
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "run" || strings.HasPrefix(os.Args[1], "-") {
		if u, err := tableflip.New(tableflip.Options{PIDFile: pidfileArg(os.Args[1:])}); err == nil {
			upgrader = u
		}
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// pidfileArg is where an upgraded process writes its PID: the pidfile
// option of the config on the command line (read cheaply, before the
// config is evaluated for real), else nowhere.
func pidfileArg(args []string) string {
	path := ""
	for i, a := range args {
		if (a == "--config" || a == "-c") && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path == "" {
		path = defaultConfigName
	}
	snap, err := config.Load(path)
	if err != nil {
		return ""
	}
	p, _ := snap.Value("*", "pidfile").(string)
	return p
}

func init() { core.Version = version }

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "moonport", version)
		return exitOK
	case "help":
		usage(stdout)
		return exitOK
	case "check":
		what := "all"
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			what, args = args[0], args[1:]
		}
		switch what {
		case "all", "config", "ports", "certs", "perms":
		default:
			fmt.Fprintf(stderr, "moonport check: unknown check %q (config, ports, certs, perms, or none for all)\n", what)
			return exitUsage
		}
		cmd = "check " + what
	case "run", "ports", "shell", "reload":
	default:
		fmt.Fprintf(stderr, "moonport: unknown command %q\n\n", cmd)
		usage(stderr)
		return exitUsage
	}
	fl := flag.NewFlagSet("moonport "+cmd, flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfgPath := fl.String("config", "", "config file (default ./"+defaultConfigName+", else the embedded default)")
	fl.StringVar(cfgPath, "c", "", "shorthand for --config")
	if err := fl.Parse(args); err != nil {
		return exitUsage
	}
	if fl.NArg() > 0 && cmd != "shell" {
		fmt.Fprintf(stderr, "moonport %s: unexpected argument %q\n", cmd, fl.Arg(0))
		return exitUsage
	}
	snap, extra, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "moonport: config error:", err)
		return exitConfig
	}
	switch cmd {
	case "shell":
		return shell(snap, fl.Args(), os.Stdin, stdout, stderr)
	case "reload":
		return shell(snap, []string{"config:reload()"}, os.Stdin, stdout, stderr)
	}
	log := logrus.New()
	if cmd != "run" {
		// Planning runs module code; keep its chatter off the report.
		log.SetLevel(logrus.WarnLevel)
	}
	modules, _ := fs.Sub(shipped, "modules")
	h, err := core.New(core.Options{Config: snap, Log: log, Extra: extra, Shipped: []bridge.Source{core.FS("shipped modules", modules)}})
	if err != nil {
		fmt.Fprintln(stderr, "moonport: error:", err)
		return exitConfig
	}
	switch cmd {
	case "check config":
		code := checkConfig(h, stdout)
		h.Close()
		return code
	case "check all", "check ports", "check certs", "check perms":
		code := preflight(h, snap, strings.TrimPrefix(cmd, "check "), stdout)
		h.Close()
		return code
	case "ports":
		h.Close()
		printPorts(h, stdout)
		return exitOK
	}
	if path := os.Getenv("MOONPORT_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(stderr, "moonport:", err)
			return exitUsage
		}
		defer stop()
	}
	if upgrader != nil {
		h.Pool.SetSockets(upgradeSockets{upgrader})
		h.SetUpgrade(func() error { return upgrader.Upgrade() })
	}
	if inherited, _ := activation.Listeners(); len(inherited) > 0 {
		// Socket activation: systemd opened some of the ports for us.
		var ls []net.Listener
		for _, l := range inherited {
			if l != nil {
				ls = append(ls, l)
			}
		}
		h.Pool.Adopt(ls)
	}
	// Signals are ours before anyone is told we are ready: a SIGHUP right
	// after READY=1 must reload, not kill.
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sig)
	if err := h.Start(); err != nil {
		log.Error(err)
		h.Shutdown()
		return exitBind
	}
	if code := dropRoot(h, log); code != exitOK {
		h.Shutdown()
		return code
	}
	var upgraded <-chan struct{}
	if upgrader != nil {
		if err := upgrader.Ready(); err != nil {
			log.Warnf("zero-downtime upgrades unavailable: %v", err)
		}
		upgraded = upgrader.Exit()
	}
	notify(log, "READY=1", status(h))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if h.Config().Value("*", "reload_on_change") != false {
		if _, err := os.Stat(h.Config().Path); err == nil {
			if _, err := reload.Watch(ctx, log, h.WatchedFiles, func(why string) { _ = h.Reload(why) }); err != nil {
				log.Warnf("cannot watch files for changes (reload with SIGHUP instead): %v", err)
			}
		}
	}
wait:
	for {
		select {
		case s := <-sig:
			switch s {
			case syscall.SIGHUP:
				notify(log, "RELOADING=1", "STATUS=reloading")
				_ = h.Reload("SIGHUP")
				if code := dropRoot(h, log); code != exitOK {
					h.Shutdown()
					return code
				}
				notify(log, "READY=1", status(h))
				continue
			case syscall.SIGUSR1:
				if err := h.ReopenLogs(); err != nil {
					log.Error(err)
				}
				continue
			case syscall.SIGUSR2:
				if err := h.Upgrade(); err != nil {
					log.Errorf("Upgrade failed, still serving: %v", err)
				}
				continue
			}
			log.Infof("Received %s, shutting down", s)
			break wait
		case why := <-h.ShutdownRequested():
			log.Infof("Shutting down: %s", why)
			break wait
		case <-upgraded:
			log.Info("The new process is ready: no longer accepting, finishing connections")
			h.Drain()
			break wait
		}
	}
	cancel()
	notify(log, "STOPPING=1", "STATUS=shutting down")
	shutdownWithin(h, log)
	return exitOK
}

// shutdownGrace is the time after shutdown_deadline for the modules'
// unload once the callbacks still running have been stopped.
const shutdownGrace = time.Second

// shutdownWithin shuts the host down, giving up once shutdown_deadline
// (and shutdownGrace) has passed: at the deadline the runtime stops every
// callback still running, but one in a state without any budget
// (lua_timeout = 0 and lua_memory_limit = 0) cannot be stopped and must
// not keep the process alive. The log names the modules still busy; the
// shutdown goroutine left behind ends with the process, which main ends
// right after.
func shutdownWithin(h *core.Host, log logrus.FieldLogger) {
	deadline := h.Settings().ShutdownDeadline
	done := make(chan struct{})
	go func() { h.Shutdown(); close(done) }()
	t := time.NewTimer(deadline + shutdownGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		busy := h.Runtime.Busy()
		if len(busy) == 0 {
			busy = []string{"no module is in a callback"}
		}
		log.Errorf("Shutdown did not finish within shutdown_deadline (%s); exiting anyway: %s", deadline, strings.Join(busy, "; "))
	}
}

// dropRoot becomes prosody_user/prosody_group once the ports are bound,
// keeping only the right to bind ports below 1024 (for reloads). Root
// without a user to become is refused unless run_as_root = true.
func dropRoot(h *core.Host, log logrus.FieldLogger) int {
	if os.Geteuid() != 0 {
		return exitOK
	}
	snap := h.Config()
	userName, _ := snap.Value("*", "prosody_user").(string)
	if userName == "" {
		if snap.Value("*", "run_as_root") == true {
			log.Warn("Running as root (run_as_root = true); set prosody_user to drop privileges after binding")
			return exitOK
		}
		log.Error("Refusing to run as root: set prosody_user = \"…\" (and prosody_group) to drop privileges after binding, or run_as_root = true")
		return exitPrivilege
	}
	groupName, _ := snap.Value("*", "prosody_group").(string)
	binder, err := privilege.Drop(userName, groupName)
	if err != nil {
		log.Errorf("Cannot drop privileges: %v", err)
		return exitPrivilege
	}
	h.Pool.SetBinder(binder.Run)
	log.Infof("Now running as %s (uid %d, gid %d), keeping CAP_NET_BIND_SERVICE for binds", userName, os.Getuid(), os.Getgid())
	return exitOK
}

// startCPUProfile writes a CPU profile to path until the returned stop is
// called (MOONPORT_CPUPROFILE, for the benchmark's account of where time
// goes).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("MOONPORT_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("MOONPORT_CPUPROFILE: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// loadConfig finds and evaluates the config. The embedded default comes
// with the example modules to serve.
func loadConfig(path string) (*config.Snapshot, []bridge.Source, error) {
	if path == "" {
		if _, err := os.Stat(defaultConfigName); err == nil {
			path = defaultConfigName
		}
	}
	if path != "" {
		snap, err := config.Load(path)
		return snap, nil, err
	}
	src, err := examples.ReadFile("examples/default.cfg.lua")
	if err != nil {
		return nil, nil, err
	}
	snap, err := config.Evaluate("embedded:default.cfg.lua", src)
	mods, _ := fs.Sub(examples, "examples/modules")
	return snap, []bridge.Source{core.FS("embedded example modules", mods)}, err
}

func checkConfig(h *core.Host, out io.Writer) int {
	problems := 0
	for _, p := range h.Plan().Problems {
		fmt.Fprintln(out, "error:", p.Error())
		problems++
	}
	for _, e := range h.TLSErrors() {
		fmt.Fprintln(out, "error:", e.Error())
		problems++
	}
	for _, w := range h.Warnings() {
		fmt.Fprintln(out, "warning:", w)
	}
	switch {
	case problems > 0:
		fmt.Fprintf(out, "%d error(s), %d warning(s) in %s\n", problems, len(h.Warnings()), h.Config().Path)
		return exitConfig
	case len(h.Warnings()) > 0:
		fmt.Fprintf(out, "no errors, %d warning(s) in %s\n", len(h.Warnings()), h.Config().Path)
		return exitWarnings
	}
	fmt.Fprintf(out, "config OK: %s (%d file(s), %d host(s), %d service(s), %d listener socket(s))\n",
		h.Config().Path, len(h.Config().Files), len(h.Config().Hosts()), len(h.Runtime.PortServices()), len(h.Plan().Bindings))
	return exitOK
}

func printPorts(h *core.Host, out io.Writer) {
	bs := h.Plan().Bindings
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Port < bs[j].Port })
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tLISTENER\tADDRESS\tPORT\tTRANSPORT\tENCRYPTION\tREACH")
	for _, b := range bs {
		enc := map[string]string{"ssl": "direct TLS", "starttls": "STARTTLS", "": "none"}[b.Encryption]
		reach := "local"
		if b.Public() {
			reach = "public"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", b.Service, b.Listener, b.Address, b.Port, b.Network, enc, reach)
	}
	_ = tw.Flush()
	for _, p := range h.Plan().Problems {
		fmt.Fprintln(out, "error:", p.Error())
	}
	for _, e := range h.TLSErrors() {
		fmt.Fprintln(out, "error:", e.Error())
	}
}
