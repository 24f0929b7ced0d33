// Package core wires the pipeline in one direction: config snapshot →
// modules and their services → bind plan → listening sockets → events for
// Lua. It owns the order of startup and shutdown and nothing else: each
// step's logic lives in its own package.
package core

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/logging"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf"
	"github.com/moonport/moonport/lua/bridge"
	"github.com/moonport/moonport/lua/luaval"
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
	Config   *config.Snapshot
	Log      *logrus.Logger
	Settings listen.Settings
	Runtime  *bridge.Runtime
	Server   *listen.Server
	Pool     *listen.Pool
	Plan     *ports.BindPlan
	sinks    *logging.Sinks
	shutdown sync.Once
	// Warnings found on the way (config, settings, plan, TLS), for `check config`.
	Warnings []string
	// TLSErrors are listeners left closed for broken TLS settings or files.
	TLSErrors []error
	tls       map[string]*tlsconf.Listener
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
	for _, p := range luaval.List(snap.Value("*", "plugin_paths")) {
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
	t, isTable := o.Value.(*luaval.Table)
	if !isTable {
		return listen.Settings{}, nil, &config.Error{Location: o.Location, Message: "network_settings must be a table like { read_timeout = 300 }"}
	}
	return listen.DefaultSettings().Apply(t, o.Location.String()+": network_settings")
}

// New evaluates everything up to the bind plan: logging, settings, modules
// and their services. Nothing is bound yet.
func New(opts Options) (*Host, error) {
	snap := opts.Config
	h := &Host{Config: snap, Log: opts.Log}
	for _, w := range snap.Warnings {
		h.Warnings = append(h.Warnings, w.String())
	}
	logOpt, _ := snap.Get("*", "log")
	sinks, err := logging.Parse(logOpt.Value, logOpt.Location.String()+": log")
	if err != nil {
		return nil, err
	}
	h.sinks = sinks
	sinks.Install(h.Log)
	st, warns, err := settings(snap)
	if err != nil {
		return nil, err
	}
	h.Settings = st
	h.Warnings = append(h.Warnings, warns...)
	h.Server = listen.NewServer(h.Log)
	h.Runtime = bridge.New(bridge.Options{Log: h.Log, Config: snap, Sources: sources(snap, opts.Extra, opts.Shipped), Server: h.Server, Settings: st})
	if err := h.Runtime.LoadAll(); err != nil {
		h.Runtime.Stop(context.Background())
		return nil, err
	}
	h.Plan = ports.Plan(snap, h.Runtime.PortServices())
	for _, b := range h.Plan.Bindings {
		if b.Overrides != nil {
			if _, w, err := st.Apply(b.Overrides, "listeners."+b.Listener); err != nil {
				h.Runtime.Stop(context.Background())
				return nil, &config.Error{Location: b.Source, Message: err.Error()}
			} else {
				h.Warnings = append(h.Warnings, w...)
			}
		}
	}
	h.buildTLS()
	h.Pool = listen.NewPool(h.Server, h.Log)
	return h, nil
}

// buildTLS works out every binding's TLS. A binding whose TLS is broken
// stays closed; its error is reported like a bind failure.
func (h *Host) buildTLS() {
	b := tlsconf.NewBuilder(h.Config)
	h.tls = map[string]*tlsconf.Listener{}
	var kept []ports.Binding
	for _, bind := range h.Plan.Bindings {
		svc := h.Runtime.Service(bind.Service)
		prefix := svc.ConfigPrefix
		if prefix == "" {
			prefix = svc.Name
		}
		l, err := b.Build(bind, prefix+"_", svc.SSLConfig)
		if err != nil {
			h.TLSErrors = append(h.TLSErrors, err)
			continue
		}
		h.tls[bind.Key()] = l
		kept = append(kept, bind)
	}
	h.Plan.Bindings = kept
	h.Warnings = append(h.Warnings, b.Warnings...)
}

// Strict reports whether strict_binding makes every bind failure fatal.
func (h *Host) Strict() bool { return h.Config.Value("*", "strict_binding") == true }

// Start opens every planned socket and fires server-started. With
// strict_binding, any planning problem or bind failure is an error.
func (h *Host) Start() error {
	for _, w := range h.Warnings {
		h.Log.Warn(w)
	}
	for _, p := range h.Plan.Problems {
		h.Log.Error(p.Error())
	}
	for _, e := range h.TLSErrors {
		h.Log.Error(e.Error())
	}
	if h.Strict() && len(h.Plan.Problems)+len(h.TLSErrors) > 0 {
		return fmt.Errorf("strict_binding is on and %d listener(s) cannot open (see the errors above)", len(h.Plan.Problems)+len(h.TLSErrors))
	}
	res := h.Pool.Apply(h.Plan.Bindings, h.attach)
	for _, f := range res.Failed {
		h.Log.Error(f.Error())
	}
	if h.Strict() && len(res.Failed) > 0 {
		h.Pool.Close()
		return fmt.Errorf("strict_binding is on and %d port(s) failed to open: %s", len(res.Failed), res.Failed[0].Error())
	}
	byService := map[string][]string{}
	var order []string
	for _, l := range res.Opened {
		b := l.Binding
		if _, seen := byService[b.Service]; !seen {
			order = append(order, b.Service)
		}
		byService[b.Service] = append(byService[b.Service], fmt.Sprintf("%s (%s)", l.Addr(), b.Listener))
	}
	for _, svc := range order {
		h.Log.Infof("Activated service '%s' on %s", svc, strings.Join(byService[svc], ", "))
	}
	for _, s := range h.Runtime.Services() {
		if _, ok := byService[s.Name]; !ok {
			h.Log.Infof("Activated service '%s' on no ports", s.Name)
		}
	}
	h.Runtime.FireEvent("*", "server-started", nil)
	return nil
}

// attach gives a binding its service's handler and its settings.
func (h *Host) attach(b ports.Binding) listen.Endpoint {
	st := h.Settings
	if b.Overrides != nil {
		st, _, _ = st.Apply(b.Overrides, "listeners."+b.Listener)
	}
	ep := listen.Endpoint{Handlers: h.Runtime.Service(b.Service), Settings: st}
	if t := h.tls[b.Key()]; t != nil {
		ep.TLS, ep.Implicit = t.Config, t.Implicit
	}
	return ep
}

// Shutdown stops accepting, closes every connection within the
// shutdown_deadline and unloads the modules. Later calls do nothing.
func (h *Host) Shutdown() { h.shutdown.Do(h.stop) }

func (h *Host) stop() {
	h.Pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), h.Settings.ShutdownDeadline)
	defer cancel()
	start := time.Now()
	h.Runtime.Stop(ctx)
	h.Log.Infof("Shut down in %s", time.Since(start).Round(time.Millisecond))
	h.sinks.Close()
}

// Close releases a Host that was never started (check and ports commands).
func (h *Host) Close() {
	h.Runtime.Stop(context.Background())
	h.sinks.Close()
}

// FS is a convenience for callers with an embedded tree.
func FS(label string, f fs.FS) bridge.Source { return bridge.Source{Label: label, FS: f} }
