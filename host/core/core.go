// Package core wires the pipeline in one direction: config snapshot →
// modules and their services → bind plan → listening sockets → events for
// Lua. It owns the order of startup, reload and shutdown and nothing else:
// each step's logic lives in its own package.
package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/logging"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf"
	"github.com/moonport/moonport/host/value"
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
	reloads  ReloadStatus

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
	if reason == "" {
		reason = "console request"
	}
	select {
	case h.shutdownCh <- reason:
	default:
	}
}

// generation is everything one config evaluation decided.
type generation struct {
	snap     *config.Snapshot
	settings listen.Settings
	plan     *ports.BindPlan
	tls      map[string]*tlsconf.Listener
	service  func(name string) *bridge.NetService
	sinks    *logging.Sinks
	warnings []string
	tlsErrs  []error
	router   *httpserve.Router
}

// serviceSettings gathers a service's own network settings: options
// named <service>_<setting> (c2s_read_timeout, smtp_allow, …). Its
// <service>_max_connections caps the whole service instead.
func (g *generation) serviceSettings(service string) (*value.Table, config.Location, int, error) {
	var t *value.Table
	var loc config.Location
	max := 0
	for _, name := range listen.SettingNames() {
		o, ok := g.snap.Get("*", service+"_"+name)
		if !ok {
			continue
		}
		if name == "max_connections" {
			if err := listen.Check(name, o.Value); err != nil {
				return nil, loc, 0, &config.Error{Location: o.Location, Message: fmt.Sprintf("%s_%s = %s: %v", service, name, value.Format(o.Value), err)}
			}
			max = int(o.Value.(float64))
			continue
		}
		if t == nil {
			t = &value.Table{Hash: map[any]any{}}
		}
		t.Hash[name] = o.Value
		loc = o.Location
	}
	return t, loc, max, nil
}

// settingsFor is the network settings of a binding: network_settings,
// then the service's own, then the named listener's.
func (g *generation) settingsFor(b ports.Binding) (listen.Settings, int, []string, error) {
	st := g.settings
	svc, loc, max, err := g.serviceSettings(b.Service)
	if err != nil {
		return st, 0, nil, err
	}
	st, w1, err := st.Apply(svc, loc.String()+": "+b.Service+"_…")
	if err != nil {
		return st, 0, nil, err
	}
	st, w2, err := st.Apply(b.Overrides, b.Source.String()+": listeners."+b.Listener)
	return st, max, append(w1, w2...), err
}

// attach gives a binding of this generation its endpoint.
func (g *generation) attach(b ports.Binding) listen.Endpoint {
	st, max, _, _ := g.settingsFor(b) // checked in planFor
	svc := g.service(b.Service)
	ep := listen.Endpoint{Handlers: svc, Settings: st, ServiceMax: max, Reserved: b.Service == consoleService}
	if svc.Serve == ports.ServeHTTP {
		ep.HTTP, ep.HTTPLimits = g.httpFor(b)
	}
	if svc.Transport == ports.UDP {
		ep.Packets = svc.PacketHandler()
	}
	if t := g.tls[b.Key()]; t != nil {
		ep.TLS, ep.Implicit = t.Config, t.Implicit
	}
	return ep
}

// ReloadStatus counts reloads, for the console and metrics.
type ReloadStatus struct {
	Count     int
	Failures  int
	Last      time.Time // of the last attempt
	LastError string    // of the last attempt; empty when it worked
}

// sources lists module folders: plugin_paths (relative to the config file),
// the config file's folder, then the extra and shipped ones.
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
	for _, p := range value.List(snap.Value("*", "plugin_paths")) {
		if s, ok := p.(string); ok {
			add(s)
		}
	}
	if _, err := os.Stat(snap.Path); err == nil {
		add(base)
	}
	out = append(out, extra...)
	return append(out, shipped...)
}

// settings reads network_settings.
func settings(snap *config.Snapshot) (listen.Settings, []string, error) {
	o, ok := snap.Get("*", "network_settings")
	if !ok {
		return listen.DefaultSettings(), nil, nil
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable {
		return listen.Settings{}, nil, &config.Error{Location: o.Location, Message: "network_settings must be a table like { read_timeout = 300 }"}
	}
	return listen.DefaultSettings().Apply(t, o.Location.String()+": network_settings")
}

// maxConnections is the server-wide cap (max_connections, default 8192,
// Stalwart's).
func maxConnections(snap *config.Snapshot) int {
	if n, ok := snap.Value("*", "max_connections").(float64); ok && n >= 1 {
		return int(n)
	}
	return 8192
}

// prepare evaluates what does not depend on modules: logging and network
// settings.
func prepare(snap *config.Snapshot) (*generation, error) {
	if err := checkBounds(snap); err != nil {
		return nil, err
	}
	g := &generation{snap: snap}
	for _, w := range snap.Warnings {
		g.warnings = append(g.warnings, w.String())
	}
	logOpt, _ := snap.Get("*", "log")
	sinks, err := logging.Parse(logOpt.Value, logOpt.Location.String()+": log")
	if err != nil {
		return nil, err
	}
	st, warns, err := settings(snap)
	if err != nil {
		sinks.Close()
		return nil, err
	}
	g.sinks, g.settings = sinks, st
	g.warnings = append(append(g.warnings, sinks.Warnings...), warns...)
	return g, nil
}

// plan builds the bind plan and TLS for the services modules provide.
func (g *generation) planFor(services []ports.Service, service func(string) *bridge.NetService) error {
	g.service = service
	g.plan = ports.Plan(g.snap, services)
	g.guardConsole()
	seen := map[string]bool{}
	for _, b := range g.plan.Bindings {
		_, _, w, err := g.settingsFor(b)
		if err != nil {
			return &config.Error{Message: err.Error()}
		}
		for _, x := range w {
			if !seen[x] {
				seen[x] = true
				g.warnings = append(g.warnings, x)
			}
		}
	}
	// A binding whose TLS is broken stays closed; its error is reported
	// like a bind failure.
	b := tlsconf.NewBuilder(g.snap)
	g.tls = map[string]*tlsconf.Listener{}
	var kept []ports.Binding
	for _, bind := range g.plan.Bindings {
		svc := service(bind.Service)
		l, err := b.Build(bind, svc.OptionPrefix(), svc.SSLConfig)
		if err != nil {
			g.tlsErrs = append(g.tlsErrs, err)
			continue
		}
		g.tls[bind.Key()] = l
		kept = append(kept, bind)
	}
	g.plan.Bindings = kept
	g.warnings = append(g.warnings, b.Warnings...)
	return nil
}

// New evaluates everything up to the bind plan: logging, settings, modules
// and their services. Nothing is bound yet.
func New(opts Options) (*Host, error) {
	g, err := prepare(opts.Config)
	if err != nil {
		return nil, err
	}
	h := &Host{Log: opts.Log, opts: opts, gen: g, shutdownCh: make(chan string, 1), started: time.Now(), diverted: map[string]*listen.HTTPFront{}}
	g.sinks.Install(h.Log)
	h.redact(g)
	h.Server = listen.NewServer(h.Log)
	h.Server.SetMaxConnections(maxConnections(g.snap))
	h.Runtime = bridge.New(bridge.Options{Log: h.Log, Config: opts.Config, Sources: sources(opts.Config, opts.Extra, opts.Shipped), Server: h.Server, Settings: g.settings})
	h.Runtime.SetAdmin(&admin{h: h, started: time.Now(), failures: map[string]int{}})
	h.Runtime.SetDivert(h.divertHTTP)
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
	h.Pool = listen.NewPool(h.Server, h.Log)
	return h, nil
}

// redact keeps a generation's secrets (passwords, tokens, the console
// cookie) out of its log lines.
func (h *Host) redact(g *generation) {
	var list []string
	for name, o := range g.snap.Global.Options {
		secrets(o.Value, name, &list)
	}
	for _, sec := range g.snap.Hosts() {
		for name, o := range sec.Options {
			secrets(o.Value, name, &list)
		}
	}
	if h.Runtime != nil {
		if b, err := os.ReadFile((&admin{h: h}).cookiePathOf(g.snap)); err == nil {
			list = append(list, strings.TrimSpace(string(b)))
		}
	}
	g.sinks.Redact(list)
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
func (h *Host) Strict() bool { return h.Config().Value("*", "strict_binding") == true }

// Start opens every planned socket and fires server-started. With
// strict_binding, any planning problem or bind failure is an error.
func (h *Host) Start() error {
	g := h.current()
	for _, w := range g.warnings {
		h.Log.Warn(w)
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
	for _, f := range res.Failed {
		h.Log.Error(f.Error())
	}
	if h.Strict() && len(res.Failed) > 0 {
		h.Pool.Close()
		return fmt.Errorf("strict_binding is on and %d port(s) failed to open: %s", len(res.Failed), res.Failed[0].Error())
	}
	h.logActivated(res.Opened)
	h.Runtime.FireEvent("*", "server-started", nil)
	return nil
}

func (h *Host) logActivated(opened []*listen.Listener) {
	byService := map[string][]string{}
	var order []string
	for _, l := range opened {
		b := l.Binding
		if _, seen := byService[b.Service]; !seen {
			order = append(order, b.Service)
		}
		byService[b.Service] = append(byService[b.Service], fmt.Sprintf("%s (%s)", l.Addr(), b.Listener))
	}
	for _, svc := range order {
		h.Log.Infof("Activated service '%s' on %s", svc, strings.Join(byService[svc], ", "))
	}
}

// ErrNoConfigFile is the reload error of the embedded default config.
var ErrNoConfigFile = errors.New("the embedded default config has no file to reload; run with --config FILE")

// Reload evaluates the config file again and applies the difference. The
// new config, modules, bind plan, TLS and sockets are all prepared beside
// the running ones first; if anything fails, nothing changes and the
// error is returned (and logged). why says what asked for it.
func (h *Host) Reload(why string) error {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	start := time.Now()
	err := h.reload()
	h.mu.Lock()
	h.reloads.Count++
	h.reloads.Last = start
	h.reloads.LastError = ""
	if err != nil {
		h.reloads.Failures++
		h.reloads.LastError = err.Error()
	}
	h.mu.Unlock()
	var empty *EmptyFileError
	switch {
	case errors.As(err, &empty):
		h.Log.Warnf("Reload (%s) not applied, still running the previous config: %v", why, err)
		return err
	case err != nil:
		h.Log.Errorf("Reload (%s) failed, still running the previous config: %v", why, err)
		return err
	}
	h.Log.Infof("Reloaded (%s) in %s", why, time.Since(start).Round(time.Millisecond))
	return nil
}

// ReopenLogs opens the log files again (after logrotate moved them).
func (h *Host) ReopenLogs() error {
	err := h.current().sinks.Reopen()
	if err == nil {
		h.Log.Info("Reopened log files")
	}
	return err
}

// ReloadStatus says how reloads went.
func (h *Host) ReloadStatus() ReloadStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reloads
}

func (h *Host) reload() error {
	old := h.current()
	if _, err := os.Stat(old.snap.Path); err != nil {
		return ErrNoConfigFile
	}
	snap, err := luaconfig.Load(old.snap.Path)
	if err != nil {
		return err
	}
	if err := emptied(old.snap, snap); err != nil {
		return err
	}
	g, err := prepare(snap)
	if err != nil {
		return err
	}
	tx, err := h.Runtime.Stage(snap, sources(snap, h.opts.Extra, h.opts.Shipped))
	if err != nil {
		g.sinks.Close()
		return err
	}
	fail := func(err error) error {
		tx.Abort()
		g.sinks.Close()
		return err
	}
	if err := g.planFor(tx.PortServices(), tx.Service); err != nil {
		return fail(err)
	}
	h.buildRouter(g, tx.HTTPApps())
	g.alpnForMultiplex(tx.Services())
	if len(g.plan.Problems) > 0 {
		return fail(g.plan.Problems[0])
	}
	if len(g.tlsErrs) > 0 {
		return fail(g.tlsErrs[0])
	}
	ptx := h.Pool.Stage(g.plan.Bindings, g.attach)
	if len(ptx.Failed) > 0 {
		ptx.Abort()
		return fail(ptx.Failed[0])
	}
	// Everything is ready: switch.
	tx.Commit()
	h.Runtime.SetNetworkSettings(g.settings)
	h.Server.SetMaxConnections(maxConnections(snap))
	h.mu.Lock()
	h.gen = g
	h.mu.Unlock()
	res := ptx.Commit()
	h.redact(g)
	g.sinks.Install(h.Log)
	old.sinks.Close()
	for _, w := range g.warnings {
		h.Log.Warn(w)
	}
	h.logActivated(res.Opened)
	kept, added, replaced, removed := tx.Changes()
	h.Log.Infof("Reload: %d listener(s) kept, %d opened, %d closed; %d module(s) kept, %d loaded, %d reloaded, %d unloaded",
		len(res.Kept), len(res.Opened), len(res.Closed), kept, added, replaced, removed)
	h.closeRemovedLater(res.Closed, snap)
	// config-reloaded fired before the sockets changed; modules that judge
	// the listeners (the console closing a public one) look now.
	h.Runtime.FireEvent("*", "server-reloaded", map[string]any{"filename": snap.Path})
	return nil
}

// closeRemovedLater closes, after removed_listener_grace seconds, the
// connections that came in on listeners the reload removed. Without the
// option they carry on until they end by themselves.
func (h *Host) closeRemovedLater(closed []*listen.Listener, snap *config.Snapshot) {
	grace, ok := snap.Value("*", "removed_listener_grace").(float64)
	if !ok || len(closed) == 0 {
		return
	}
	keys := map[string]bool{}
	for _, l := range closed {
		keys[l.Binding.Key()] = true
	}
	time.AfterFunc(time.Duration(grace*float64(time.Second)), func() {
		for _, c := range h.Server.Conns() {
			if keys[c.BindKey] && h.Pool.Open(c.BindKey) == nil {
				c.Close()
			}
		}
	})
}

// WatchedFiles lists the files whose change should trigger a reload: the
// config and what it includes or reads, each module file on disk, every
// certificate and key in use.
func (h *Host) WatchedFiles() []string {
	g := h.current()
	files := append([]string(nil), g.snap.Files...)
	for _, inst := range h.Runtime.Instances() {
		if filepath.IsAbs(inst.Path) {
			files = append(files, inst.Path)
		}
	}
	for _, t := range g.tls {
		files = append(files, t.Files...)
	}
	return files
}

// WatchedPatterns lists the wildcard Include patterns of the running
// config: a file that comes to match one, or stops matching, should
// trigger a reload too.
func (h *Host) WatchedPatterns() []string { return h.current().snap.Patterns }

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

// alpnForMultiplex offers, on the multiplexer's TLS ports, the ALPN
// protocols of the services it can route to.
func (g *generation) alpnForMultiplex(services []*bridge.NetService) {
	var protos []string
	for _, s := range services {
		if p, ok := s.Multiplex.Field("protocol").(string); ok && s.Multiplex != nil {
			protos = append(protos, p)
		}
	}
	if len(protos) == 0 {
		return
	}
	for _, b := range g.plan.Bindings {
		if svc := g.service(b.Service); svc == nil || !svc.Multiplexer {
			continue
		}
		if l := g.tls[b.Key()]; l != nil && l.Config != nil {
			c := l.Config.Clone()
			c.NextProtos = append(append([]string(nil), protos...), c.NextProtos...)
			l.Config = c
		}
	}
}

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
	if d, ok := g.snap.Value("*", "data_path").(string); ok && d != "" {
		out = append(out, check.File{Path: resolve(g.snap.Path, d), Kind: check.DataDir})
	}
	for _, l := range g.tls {
		for i, f := range l.Files {
			if i%2 == 1 { // Files holds certificate, key pairs
				out = append(out, check.File{Path: f, Kind: check.Secret})
			}
		}
	}
	out = append(out, check.File{Path: CookiePath(g.snap), Kind: check.Secret})
	return out
}
