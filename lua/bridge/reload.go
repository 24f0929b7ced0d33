package bridge

import (
	"crypto/sha256"

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
	sources  []Source
	order    []*Instance
	loaded   map[string]*Instance
	kept     []*Instance
	added    []*Instance
	replaced map[*Instance]*Instance // old -> new
	removed  []*Instance
	held     map[*Instance]bool // old instances whose state Stage holds since their module.save (handover.go)
}

// Stage prepares the modules snap enables, looked up in sources: a module
// whose file is unchanged keeps its instance; a changed file loads into a
// new instance restored from the old one's module.save() (from then on the
// old instance runs nothing until Commit or Abort: see handover.go); an
// error in any of them aborts the whole stage.
func (rt *Runtime) Stage(snap *config.Snapshot, sources []Source) (*Stage, error) {
	budget, err := BudgetOf(snap)
	if err != nil {
		return nil, err
	}
	t := &Stage{rt: rt, snap: snap, sources: sources, budget: budget, loaded: map[string]*Instance{}, replaced: map[*Instance]*Instance{}, held: map[*Instance]bool{}}
	peers := func() []*Instance { return t.order }
	rt.mu.Lock()
	active := map[string]*Instance{}
	for k, v := range rt.loaded {
		active[k] = v
	}
	var refs []moduleRef
	for _, m := range wanted(snap) {
		if !rt.dropped[m.key()] {
			refs = append(refs, m)
		}
	}
	for _, m := range rt.extra {
		refs = append(refs, m)
	}
	forced := rt.forced
	rt.forced = map[string]bool{}
	rt.mu.Unlock()
	seen := map[string]bool{}
	for _, m := range refs {
		seen[m.key()] = true
	}
	// Modules loaded by module:depends stay while they are loaded.
	for k, inst := range active {
		if !seen[k] && inst.viaDepends {
			refs = append(refs, moduleRef{inst.Name, inst.Host})
			seen[k] = true
		}
	}
	for _, m := range refs {
		if _, dup := t.loaded[m.key()]; dup {
			continue
		}
		file, src, err := find(sources, m.name)
		if err != nil {
			t.Abort()
			rt.restoreForced(forced)
			return nil, err
		}
		old := active[m.key()]
		if old != nil && old.Path == file && old.srcHash == sha256.Sum256(src) && !forced[m.key()] {
			t.kept = append(t.kept, old)
			t.add(m.key(), old)
			continue
		}
		var saved any
		if old != nil {
			saved = t.hold(old)
		}
		inst, err := rt.loadInstance(m.name, m.host, file, src, snap, peers, saved)
		if err != nil {
			t.Abort()
			rt.restoreForced(forced)
			return nil, err
		}
		if old != nil {
			inst.viaDepends = old.viaDepends
			t.replaced[old] = inst
		} else {
			t.added = append(t.added, inst)
		}
		t.add(m.key(), inst)
	}
	for k, inst := range active {
		if t.loaded[k] == nil {
			t.removed = append(t.removed, inst)
		}
	}
	return t, nil
}

// restoreForced keeps forced reloads for the next try after a failure.
func (rt *Runtime) restoreForced(forced map[string]bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for k := range forced {
		rt.forced[k] = true
	}
}

func (t *Stage) add(key string, inst *Instance) {
	t.loaded[key] = inst
	t.order = append(t.order, inst)
}

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

// Abort stops the instances Stage loaded, then lets the instances they
// were to replace go on.
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
// the connections left to them, then stop), and config-reloaded fires.
func (t *Stage) Commit() {
	rt := t.rt
	rt.mu.Lock()
	rt.order, rt.loaded, rt.sources = t.order, t.loaded, t.sources
	rt.mu.Unlock()
	rt.config.Store(t.snap)
	rt.limits.Store(&t.budget)
	for _, inst := range t.kept {
		for _, c := range append([]*Instance{inst}, inst.copies...) {
			c.snap.Store(t.snap)
			c.peers = rt.active
		}
	}
	for _, inst := range append(append([]*Instance(nil), t.added...), values(t.replaced)...) {
		for _, c := range append([]*Instance{inst}, inst.copies...) {
			c.peers = rt.active
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
	for old := range t.replaced {
		rt.retire(old, t.held[old])
	}
	t.held = map[*Instance]bool{}
	for _, old := range t.removed {
		rt.retire(old, false)
	}
	rt.FireEvent("*", "config-reloaded", map[string]any{"filename": t.snap.Path})
	for _, h := range t.snap.Hosts() {
		rt.FireEvent(h.Name, "config-reloaded", map[string]any{"filename": t.snap.Path})
	}
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
