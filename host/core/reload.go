package core

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/status"
)

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

// ReloadStatus says how reloads went.
func (h *Host) ReloadStatus() status.Reloads {
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
	g, err := prepare(snap, nil)
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
	h.Server.SetMaxConnections(snap.Options.MaxConnections)
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
	for _, i := range g.infos {
		h.Log.Info(i)
	}
	h.logActivated(res.Opened)
	h.logModuleReport(tx.Report())
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
	grace := snap.Options.RemovedListenerGrace
	if grace < 0 || len(closed) == 0 {
		return
	}
	keys := map[string]bool{}
	for _, l := range closed {
		keys[l.Binding().Key()] = true
	}
	time.AfterFunc(grace, func() {
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
