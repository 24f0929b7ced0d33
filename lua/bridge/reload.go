package bridge

import (
	"sync"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/ports"
)

// Stage is a reload of the modules prepared beside the running ones:
// new and changed modules are loaded (changed ones with the state their
// old instance saved) but serve nothing until Commit. Abort leaves the
// runtime as it was.
type Stage struct {
	rt       *Runtime
	snap     *config.Snapshot
	budget   Budget
	dicts    map[string]int64 // shared_dicts, applied at Commit
	sources  []Source
	mu       sync.Mutex // guards order and loaded, which module:depends adds to
	order    []*Instance
	loaded   map[string]*Instance
	kept     []*Instance
	added    []*Instance
	replaced map[*Instance]*Instance // old -> new
	removed  []*Instance
	held     map[*Instance]bool // old instances whose state Stage holds since their module.save (handover.go)
	report   LoadReport
	quiet    bool // fires no config-reloaded: a module change asked for it (core.modulemanager)
}

// Stage prepares the modules snap enables, looked up in sources: a module
// whose file is unchanged keeps its instance; a changed file loads into a
// new instance restored from the old one's module.save(). A module that
// was not running and cannot be found or fails to load is left out, as at
// startup (unless strict_modules, or the console asked for it); a running
// module whose new version fails aborts the whole stage, so a broken edit
// never takes a running module down.
func (rt *Runtime) Stage(snap *config.Snapshot, sources []Source) (*Stage, error) {
	budget, err := BudgetOf(snap)
	if err != nil {
		return nil, err
	}
	dicts, err := dictSizes(snap)
	if err != nil {
		return nil, err
	}
	strict, err := strictModules(snap)
	if err != nil {
		return nil, err
	}
	want, err := wanted(snap)
	if err != nil {
		return nil, err
	}
	t := &Stage{rt: rt, snap: snap, sources: sources, budget: budget, dicts: dicts, loaded: map[string]*Instance{}, replaced: map[*Instance]*Instance{}, held: map[*Instance]bool{},
		quiet: rt.quietReload.Swap(false)}
	rt.mu.Lock()
	active := map[string]*Instance{}
	for k, v := range rt.loaded {
		active[k] = v
	}
	refs := t.refs(want, active)
	forced := rt.forced
	rt.forced = map[string]bool{}
	rt.mu.Unlock()
	ld := &loader{rt: rt, set: t, snap: func() *config.Snapshot { return snap }, sources: func() []Source { return sources },
		active: active, forced: forced, outcome: t.record, saveHeld: t.hold}
	if t.report, err = ld.pass(refs, strict); err != nil {
		t.Abort()
		rt.restoreForced(forced)
		return nil, err
	}
	for _, inst := range active {
		if !t.has(inst) {
			t.removed = append(t.removed, inst)
		}
	}
	return t, nil
}

// refs lists what the stage loads: what the config wants (less what the
// console unloaded), what the console loaded, and the modules loaded by
// module:depends, which stay while they are loaded. The caller holds
// rt.mu.
func (t *Stage) refs(want []moduleRef, active map[string]*Instance) []moduleRef {
	rt := t.rt
	var refs []moduleRef
	for _, m := range want {
		if !rt.dropped[m.key()] && !rt.dropped[globalKey(m.name)] {
			refs = append(refs, m)
		}
	}
	for _, m := range rt.extra {
		refs = append(refs, m)
	}
	seen := map[string]bool{}
	for _, m := range refs {
		seen[m.key()] = true
	}
	for k, inst := range active {
		if !seen[k] && inst.viaDepends {
			refs = append(refs, moduleRef{name: inst.Name, host: inst.Host})
			seen[k] = true
		}
	}
	return refs
}

// record is the loader's outcome of one load: kept, replaced or added.
func (t *Stage) record(old, inst *Instance) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case old == inst:
		t.kept = append(t.kept, old)
	case old != nil:
		inst.viaDepends = old.viaDepends
		t.replaced[old] = inst
	default:
		t.added = append(t.added, inst)
	}
}

// has reports whether the stage keeps inst or replaces it.
func (t *Stage) has(inst *Instance) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.replaced[inst] != nil {
		return true
	}
	for _, k := range t.kept {
		if k == inst {
			return true
		}
	}
	return false
}

func (t *Stage) lookup(key string) *Instance {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loaded[key]
}

func (t *Stage) insert(key string, inst *Instance) *Instance {
	t.mu.Lock()
	defer t.mu.Unlock()
	if other := t.loaded[key]; other != nil {
		return other
	}
	t.loaded[key] = inst
	t.order = append(t.order, inst)
	return nil
}

func (t *Stage) members() []*Instance {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*Instance(nil), t.order...)
}

// restoreForced keeps forced reloads for the next try after a failure.
func (rt *Runtime) restoreForced(forced map[string]bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for k := range forced {
		rt.forced[k] = true
	}
}

// Report says what the stage left out (see LoadReport).
func (t *Stage) Report() LoadReport { return t.report }

// Services lists the net services after Commit.
func (t *Stage) Services() []*NetService { return servicesOf(t.order) }

// PortServices lists the services the modules will provide after Commit.
func (t *Stage) PortServices() []ports.Service { return portServices(servicesOf(t.order)) }

// Service finds a service as it will be after Commit.
func (t *Stage) Service(name string) *NetService { return findService(servicesOf(t.order), name) }

// HTTPApps lists the routes the modules will serve after Commit.
func (t *Stage) HTTPApps() []httpserve.App {
	var apps []httpserve.App
	for _, inst := range t.order {
		for _, app := range inst.http {
			apps = append(apps, inst.appOf(app))
		}
	}
	return apps
}

// Changes counts what Commit would do, for the log.
func (t *Stage) Changes() (kept, added, replaced, removed int) {
	return len(t.kept), len(t.added), len(t.replaced), len(t.removed)
}

// Abort stops the instances Stage loaded.
func (t *Stage) Abort() {
	for _, inst := range t.added {
		t.rt.stopInstance(inst)
	}
	for _, inst := range t.replaced {
		t.rt.stopInstance(inst)
	}
	t.added, t.replaced = nil, nil
	t.releaseHeld()
}

// Commit makes the staged modules the running ones: every module reads
// the new config, connections of a replaced module go on with its new
// instance's callbacks, replaced and removed instances retire (they serve
// the connections left to them, then stop), and config-reloaded fires
// (not for a reload core.modulemanager asked for, as in Prosody).
func (t *Stage) Commit() {
	rt := t.rt
	rt.mu.Lock()
	rt.order, rt.loaded, rt.sources, rt.report = t.order, t.loaded, t.sources, t.report
	rt.mu.Unlock()
	rt.config.Store(t.snap)
	if c, ok := rt.opts.Storage.(*configuredStorage); ok {
		c.reconfigure(t.snap) // the new config is in force: close the databases it no longer names
	}
	rt.limits.Store(&t.budget)
	rt.dicts.Configure(t.dicts)
	for _, inst := range t.kept {
		for _, c := range append([]*Instance{inst}, inst.copies...) {
			c.snap.Store(t.snap)
			c.peers, c.home = rt.active, rt.live
		}
	}
	for _, inst := range append(append([]*Instance(nil), t.added...), values(t.replaced)...) {
		for _, c := range append([]*Instance{inst}, inst.copies...) {
			c.peers, c.home = rt.active, rt.live
		}
	}
	if srv := rt.opts.Server; srv != nil && len(t.replaced) > 0 {
		for _, c := range srv.Conns() {
			h, ok := c.Handler().(*connHandler)
			if !ok {
				continue
			}
			old := h.inst
			if old.copyOf != nil {
				old = old.copyOf
			}
			next := t.replaced[old]
			if next == nil {
				continue
			}
			var nh *connHandler
			if svc := findService(next.services, c.Service); svc != nil && c.Service != "" {
				nh = svc.Pick().(*connHandler)
			} else {
				// An outgoing connection follows only if the new instance
				// took it over in module.restore and gave it callbacks.
				next.call(func() {
					if lc := next.conns[c]; lc != nil && lc.listener != nil {
						nh = &connHandler{inst: next, listener: lc.listener}
					}
				})
			}
			if nh == nil {
				continue
			}
			c.SetHandler(nh)
			// The new instance owns the connection from now on, even before
			// its next event: a later reload must not think it idle.
			nh.inst.post(func() { nh.inst.wrap(c, nh.listener) })
			h.inst.post(func() { h.inst.forget(c) })
		}
	}
	rt.switchLive(append(keys(t.replaced), t.removed...), append(append([]*Instance(nil), t.added...), values(t.replaced)...))
	for old := range t.replaced {
		rt.retire(old, t.held[old])
	}
	t.held = map[*Instance]bool{}
	for _, old := range t.removed {
		rt.retire(old, false)
	}
	if t.quiet {
		return
	}
	rt.FireEvent("*", "config-reloaded", map[string]any{"filename": t.snap.Path})
	for _, h := range t.snap.Hosts() {
		rt.FireEvent(h.Name, "config-reloaded", map[string]any{"filename": t.snap.Path})
	}
}

func keys(m map[*Instance]*Instance) []*Instance {
	out := make([]*Instance, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func values(m map[*Instance]*Instance) []*Instance {
	out := make([]*Instance, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// stopRetired stops a retired instance once neither it nor its copies
// have a connection left.
func (rt *Runtime) stopRetired(inst *Instance) {
	if inst.copyOf != nil {
		inst = inst.copyOf
	}
	busy := false
	for _, c := range append([]*Instance{inst}, inst.copies...) {
		c.call(func() { busy = busy || len(c.conns) > 0 || len(c.tasks) > 0 })
	}
	if busy {
		return
	}
	rt.mu.Lock()
	still := rt.retired[inst]
	delete(rt.retired, inst)
	rt.mu.Unlock()
	if still {
		for _, c := range append([]*Instance{inst}, inst.copies...) {
			c.stop()
		}
	}
}
