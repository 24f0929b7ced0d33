// Package core wires the pipeline in one direction: config snapshot →
// modules and their services → bind plan → listening sockets → events for
// Lua. It owns the order of startup, reload and shutdown and nothing else:
// host.go holds the Host, its start and its stop; generation.go what one
// config evaluation decides (settings, bind plan, TLS, each binding's
// endpoint); reload.go the staged reload; console.go and status.go give
// the console (host/admin) and the built-in pages (host/status) the views
// of the host they need. Each step's logic lives in its own package, and
// core must not take any in.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/status"
	"github.com/moonport/moonport/host/tlsconf"
	"github.com/moonport/moonport/lua/bridge"
)

// Options say where the config and modules come from.
type Options struct {
	Config  *config.Snapshot
	Log     *logrus.Logger
	Shipped []bridge.Source // modules that come with the binary, searched last
	// Extra are searched after plugin_paths and the config's folder, before
	// the shipped modules (the embedded examples, for the default config).
	Extra []bridge.Source
	// Check, when set, makes a Host that is only checked (moonport check):
	// the log files are named but not opened, the log (modules' lines
	// too) goes to Check, and the modules load in a sandbox (in-memory
	// storage, no file written, nothing listened on: bridge.Options).
	Check io.Writer
}

// Host is a running (or ready to run) moonport.
type Host struct {
	Log     *logrus.Logger
	Runtime *bridge.Runtime
	Server  *listen.Server
	Pool    *listen.Pool
	opts    Options

	mu  sync.Mutex // guards gen and the reload figures
	gen *generation

	reloadMu sync.Mutex // one reload at a time
	reloads  status.Reloads

	bound      atomic.Bool // Start opened the plan's listeners (core.portmanager)
	shutdown   sync.Once
	shutdownCh chan string
	started    time.Time

	upgrade func() error

	divertMu sync.Mutex
	diverted map[string]*listen.HTTPFront // net/http for connections a multiplexer hands over
}

// SetUpgrade installs how a zero-downtime upgrade starts (main's
// upgrader); Upgrade fails without one.
func (h *Host) SetUpgrade(fn func() error) { h.upgrade = fn }

// Upgrade starts the new binary with the listening sockets; this process
// goes on until the new one is ready.
func (h *Host) Upgrade() error {
	if h.upgrade == nil {
		return errors.New("this process cannot upgrade itself (started by a test or an unsupported platform)")
	}
	h.Log.Info("Upgrading: starting the new binary with the listening sockets")
	return h.upgrade()
}

// ShutdownRequested delivers the reason when the console asks the server
// to stop.
func (h *Host) ShutdownRequested() <-chan string { return h.shutdownCh }

func (h *Host) requestShutdown(reason string) {
	select {
	case h.shutdownCh <- reason:
	default:
	}
}

// sources lists module folders: plugin_paths (relative to the config file;
// an embedded config has no folder, so only absolute ones count), the
// config file's folder, then the extra and shipped ones.
func sources(snap *config.Snapshot, extra, shipped []bridge.Source) []bridge.Source {
	var out []bridge.Source
	base := filepath.Dir(snap.Path)
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	add := func(dir string) {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		out = append(out, bridge.Source{Label: dir, FS: os.DirFS(dir)})
	}
	_, err := os.Stat(snap.Path)
	onDisk := err == nil // not the embedded default, which has no folder
	for _, p := range snap.Options.PluginPaths {
		if onDisk || filepath.IsAbs(p) {
			add(p)
		}
	}
	if onDisk {
		add(base)
	}
	out = append(out, extra...)
	return append(out, shipped...)
}

// New evaluates everything up to the bind plan: logging, settings, modules
// and their services. Nothing is bound yet.
func New(opts Options) (*Host, error) {
	g, err := prepare(opts.Config, opts.Check)
	if err != nil {
		return nil, err
	}
	h := &Host{Log: opts.Log, opts: opts, gen: g, shutdownCh: make(chan string, 1), started: time.Now(), diverted: map[string]*listen.HTTPFront{}}
	g.sinks.Install(h.Log)
	h.redact(g)
	h.Server = listen.NewServer(h.Log)
	h.Server.SetMaxConnections(g.snap.Options.MaxConnections)
	h.Pool = listen.NewPool(h.Server, h.Log) // before the modules, which may ask what listens (core.portmanager)
	h.Runtime = bridge.New(bridge.Options{Log: h.Log, Config: opts.Config, Sources: sources(opts.Config, opts.Extra, opts.Shipped), Server: h.Server, Settings: g.settings, Sandbox: opts.Check != nil})
	h.Runtime.SetAdmin(newConsole(h))
	h.Runtime.SetDivert(h.divertHTTP)
	h.Runtime.SetCoreViews(bridge.CoreViews{Bound: h.boundListeners, Applied: h.appliedService, Status: h.Status})
	h.Runtime.SetServerInfo(h.serverInfo())
	if err := h.Runtime.LoadAll(); err != nil {
		h.Runtime.Stop(context.Background())
		g.sinks.Close()
		return nil, err
	}
	if err := g.planFor(h.Runtime.PortServices(), h.Runtime.Service); err != nil {
		h.Runtime.Stop(context.Background())
		g.sinks.Close()
		return nil, err
	}
	h.buildRouter(g, h.Runtime.HTTPApps())
	g.alpnForMultiplex(h.Runtime.Services())
	return h, nil
}

func (h *Host) current() *generation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen
}

// Config is the running config.
func (h *Host) Config() *config.Snapshot { return h.current().snap }

// Settings are the running network settings.
func (h *Host) Settings() listen.Settings { return h.current().settings }

// Plan is the running bind plan.
func (h *Host) Plan() *ports.BindPlan { return h.current().plan }

// Warnings found evaluating the running config (config, settings, plan,
// TLS), for `check config`.
func (h *Host) Warnings() []string { return h.current().warnings }

// TLSErrors are listeners left closed for broken TLS settings or files.
func (h *Host) TLSErrors() []error { return h.current().tlsErrs }

// Strict reports whether strict_binding makes every bind failure fatal.
func (h *Host) Strict() bool { return h.Config().Options.StrictBinding }

// Start opens every planned socket and fires server-started. With
// strict_binding, any planning problem or bind failure is an error.
func (h *Host) Start() error {
	g := h.current()
	for _, w := range g.warnings {
		h.Log.Warn(w)
	}
	for _, i := range g.infos {
		h.Log.Info(i)
	}
	for _, p := range g.plan.Problems {
		h.Log.Error(p.Error())
	}
	for _, e := range g.tlsErrs {
		h.Log.Error(e.Error())
	}
	if h.Strict() && len(g.plan.Problems)+len(g.tlsErrs) > 0 {
		return fmt.Errorf("strict_binding is on and %d listener(s) cannot open (see the errors above)", len(g.plan.Problems)+len(g.tlsErrs))
	}
	res := h.Pool.Apply(g.plan.Bindings, g.attach)
	h.bound.Store(true)
	for _, f := range res.Failed {
		h.Log.Error(f.Error())
	}
	if h.Strict() && len(res.Failed) > 0 {
		h.Pool.Close()
		return fmt.Errorf("strict_binding is on and %d port(s) failed to open: %s", len(res.Failed), res.Failed[0].Error())
	}
	if len(g.plan.Bindings) > 0 && len(res.Opened)+len(res.Kept) == 0 {
		h.Pool.Close()
		return fmt.Errorf("not one of the %d planned listener(s) could be opened (see the errors above: another moonport, or another program, holds the ports?); exiting instead of serving nothing", len(g.plan.Bindings))
	}
	h.logActivated(res.Opened)
	h.logModuleReport(h.Runtime.LoadReport())
	h.Runtime.MarkStarted(time.Now())
	h.Runtime.FireEvent("*", "server-started", nil)
	return nil
}

func (h *Host) logActivated(opened []*listen.Listener) {
	byService := map[string][]string{}
	var order, public []string
	for _, l := range opened {
		b := l.Binding()
		if b.Public() {
			public = append(public, fmt.Sprintf("%s %s (%s)", b.Service, l.Addr(), b.Listener))
		}
		if _, seen := byService[b.Service]; !seen {
			order = append(order, b.Service)
		}
		byService[b.Service] = append(byService[b.Service], fmt.Sprintf("%s (%s)", l.Addr(), b.Listener))
	}
	for _, svc := range order {
		h.Log.Infof("Activated service '%s' on %s", svc, strings.Join(byService[svc], ", "))
	}
	if len(public) > 0 {
		h.Log.Infof("Public listener(s), reachable beyond this machine: %s", strings.Join(public, ", "))
	}
}

// ReopenLogs opens the log files again (after logrotate moved them).
func (h *Host) ReopenLogs() error {
	err := h.current().sinks.Reopen()
	if err == nil {
		h.Log.Info("Reopened log files")
	}
	return err
}

// Drain stops accepting and lets the connections end by themselves,
// for up to shutdown_deadline: after a zero-downtime upgrade, requests
// already under way in this process finish here. Shutdown follows.
func (h *Host) Drain() {
	h.Pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), h.Settings().ShutdownDeadline)
	defer cancel()
	h.Server.WaitIdle(ctx)
}

// Shutdown stops accepting, closes every connection within the
// shutdown_deadline and unloads the modules. Later calls do nothing.
func (h *Host) Shutdown() { h.shutdown.Do(h.stop) }

func (h *Host) stop() {
	h.Pool.Close()
	h.closeDiverted()
	ctx, cancel := context.WithTimeout(context.Background(), h.Settings().ShutdownDeadline)
	defer cancel()
	start := time.Now()
	h.Runtime.Stop(ctx)
	h.Log.Infof("Shut down in %s", time.Since(start).Round(time.Millisecond))
	h.current().sinks.Close()
}

// Close releases a Host that was never started (check and ports commands).
func (h *Host) Close() {
	h.Runtime.Stop(context.Background())
	h.current().sinks.Close()
}

// FS is a convenience for callers with an embedded tree.
func FS(label string, f fs.FS) bridge.Source { return bridge.Source{Label: label, FS: f} }

// TLSListeners gives the TLS of each planned binding, by binding key.
func (h *Host) TLSListeners() map[string]*tlsconf.Listener { return h.current().tls }

// SensitiveFiles lists what must stay private: the config and every file
// it read, log files, the data folder, private keys and the console
// cookie.
func (h *Host) SensitiveFiles() []check.File {
	g := h.current()
	var out []check.File
	for _, f := range g.snap.Files {
		out = append(out, check.File{Path: f, Kind: check.Config})
	}
	for _, f := range g.sinks.Files() {
		out = append(out, check.File{Path: f, Kind: check.Log})
	}
	if d := g.snap.Options.DataPath; d != "" {
		out = append(out, check.File{Path: d, Kind: check.DataDir})
	}
	for _, l := range g.tls {
		for i, f := range l.Files {
			if i%2 == 1 { // Files holds certificate, key pairs
				out = append(out, check.File{Path: f, Kind: check.Secret})
			}
		}
	}
	out = append(out, check.File{Path: ConsoleAccess(g.snap).CookieFile, Kind: check.Secret})
	return out
}
