package bridge

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
)

// A loader puts modules into a set of instances: the running set (the
// Runtime's, for startup and for module:depends at run time) or a
// reload's (Stage's). It follows Prosody's modulemanager: a module that
// calls module:set_global() is one instance, on "*", whichever host or
// module:depends reaches it first; every host that wants it later is
// added to it with module.add_host(module), with a module object of that
// host.

// moduleSet is where a loader puts instances, by key (host/name).
type moduleSet interface {
	lookup(key string) *Instance
	// insert adds inst under key, unless an instance is there already,
	// which it returns instead.
	insert(key string, inst *Instance) *Instance
	members() []*Instance
}

type loader struct {
	rt      *Runtime
	set     moduleSet
	snap    func() *config.Snapshot
	sources func() []Source
	// For a reload: the running instances by key, the keys module:reload
	// forces, and what became of each load (see Stage).
	active   map[string]*Instance
	forced   map[string]bool
	outcome  func(old, inst *Instance)
	brokeOld error // a running module's new version failed: the reload fails

	// hold takes a replaced instance's state for the rest of the reload
	// and returns what its module.save() gave (Stage.hold, handover.go).
	saveHeld func(old *Instance) any

	mu   sync.Mutex
	held map[*Instance]int // states this loader's loads are inside now
}

// load loads m into the set and returns its instance: one already there
// (a global one gets m's host added), a running one kept as it is, or a
// new one (replacing the running one, with its saved state).
func (ld *loader) load(m moduleRef) (*Instance, error) {
	if g := ld.set.lookup(globalKey(m.name)); g != nil && m.host != "*" {
		return g, ld.attach(g, m.host)
	}
	if inst := ld.set.lookup(m.key()); inst != nil {
		return inst, nil
	}
	old := ld.previous(m)
	file, src, err := find(ld.sources(), m.name, m.host)
	if err != nil {
		return nil, ld.broken(old, err)
	}
	if old != nil && old.Path == file && old.srcHash == sha256.Sum256(src) && !ld.forced[m.key()] && !ld.forced[globalKey(m.name)] {
		return ld.place(m, old, old)
	}
	var saved any
	if old != nil && ld.saveHeld != nil {
		saved = ld.saveHeld(old)
	}
	inst, err := ld.rt.loadInstance(ld, m, file, src, saved)
	if err != nil {
		return nil, ld.broken(old, err)
	}
	return ld.place(m, old, inst)
}

// previous is the running instance a reload's load of m replaces or
// keeps: the one on m's host, else a global one of that name.
func (ld *loader) previous(m moduleRef) *Instance {
	if old := ld.active[m.key()]; old != nil {
		return old
	}
	return ld.active[globalKey(m.name)]
}

// broken notes that a running module's new version failed: a reload never
// drops a running module for that.
func (ld *loader) broken(old *Instance, err error) error {
	if old != nil && ld.brokeOld == nil {
		ld.brokeOld = err
	}
	return err
}

// place puts a loaded (or kept) instance into the set, under "*" when it
// made itself global, and adds m's host to it then.
func (ld *loader) place(m moduleRef, old, inst *Instance) (*Instance, error) {
	key := inst.Host + "/" + inst.Name
	if other := ld.set.insert(key, inst); other != nil && other != inst {
		// Loaded meanwhile, through a module:depends cycle.
		if inst != old {
			ld.rt.stopInstance(inst)
		}
		inst = other
	} else if ld.outcome != nil {
		ld.outcome(old, inst)
	}
	if old != nil && inst != old && inst.Host == "*" {
		if err := ld.reattach(old, inst); err != nil {
			return inst, err
		}
	}
	if inst.Host == "*" && m.host != "*" {
		return inst, ld.attach(inst, m.host)
	}
	return inst, nil
}

// reattach adds to a global module's new instance the hosts its old one
// had that the config still has, as Prosody's reload of a global module
// does: a host added by another module's module:depends (mod_cron's, say)
// keeps it though that module, kept, does not ask again.
func (ld *loader) reattach(old, inst *Instance) error {
	old.hostsMu.Lock()
	hosts := make([]string, 0, len(old.hosts))
	for h := range old.hosts {
		hosts = append(hosts, h)
	}
	old.hostsMu.Unlock()
	sort.Strings(hosts)
	for _, h := range hosts {
		if ld.snap().Host(h) == nil {
			continue
		}
		if err := ld.attach(inst, h); err != nil {
			return err
		}
	}
	return nil
}

// attach adds host to a global module once: module.add_host(module) with
// a module object of that host, on each copy. When the module's state is
// already held up this chain of loads (a cycle of depends), the call is
// queued after the running callback instead of waiting for itself. A
// running module a reload keeps is added to the reload's new hosts while
// the reload is staged, so its add_host still reads the running config.
func (ld *loader) attach(g *Instance, host string) error {
	if !g.addHost(host) {
		return nil
	}
	for _, c := range append([]*Instance{g}, g.copies...) {
		var err error
		run := func() {
			if fn := c.module.RawGetString("add_host"); fn != lua.LNil {
				_, err = c.protect("module.add_host", fn, 0, c.hostModule(host))
			}
		}
		if ld.holds(c) {
			c.post(run)
			continue
		}
		ld.hold(c, 1)
		c.call(run)
		ld.hold(c, -1)
		if err != nil {
			return fmt.Errorf("module '%s' on host %s: %w", g.Name, host, err)
		}
	}
	return nil
}

// hold counts that this loader is inside inst's state (booting it,
// running its add_host, or serving its module:depends).
func (ld *loader) hold(inst *Instance, n int) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	if ld.held == nil {
		ld.held = map[*Instance]int{}
	}
	ld.held[inst] += n
	if ld.held[inst] <= 0 {
		delete(ld.held, inst)
	}
}

func (ld *loader) holds(inst *Instance) bool {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.held[inst] > 0
}

// addHost records that host was added to a global instance; false when it
// was already.
func (inst *Instance) addHost(host string) bool {
	inst.hostsMu.Lock()
	defer inst.hostsMu.Unlock()
	if inst.hosts == nil {
		inst.hosts = map[string]bool{}
	}
	if inst.hosts[host] {
		return false
	}
	inst.hosts[host] = true
	return true
}

// hostModule is the module object a global module's add_host gets for
// host: its own host field, everything else from the module itself.
func (inst *Instance) hostModule(host string) *lua.LTable {
	L := inst.L
	m := L.NewTable()
	m.RawSetString("host", lua.LString(host))
	m.RawSetString("global", lua.LFalse)
	mt := L.NewTable()
	mt.RawSetString("__index", inst.module)
	L.SetMetatable(m, mt)
	return m
}

// notFound is find's error: no file for the module on the plugin paths.
type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }

// LoadFailure is a module that did not load on a host, and why.
type LoadFailure struct {
	Module, Host string
	Err          error
}

// LoadReport is what did not load in one pass over the config's modules:
// Failed were errors (logged as they happened), SkippedXMPP the XMPP
// modules moonport does without.
type LoadReport struct {
	Failed      []LoadFailure
	SkippedXMPP []string
}

// pass loads refs in order. Without strict, a module that cannot be found
// or fails to load is logged and left out, as Prosody does; with strict
// (strict_modules), or for a module the console asked for, it is an
// error, and so is a running module whose new version fails.
func (ld *loader) pass(refs []moduleRef, strict bool) (LoadReport, error) {
	var rep LoadReport
	var errs []error
	failedGlobal := map[string]bool{} // name: whether it was autoloaded
	skipped := map[string]bool{}
	for _, m := range refs {
		// Said once, on "*" (a host naming an autoloaded one is news).
		if wasAutoload, failed := failedGlobal[m.name]; failed && (m.autoload || !wasAutoload) {
			continue
		}
		_, err := ld.load(m)
		if err == nil {
			continue
		}
		if ld.brokeOld != nil {
			return rep, ld.brokeOld
		}
		if m.host == "*" {
			failedGlobal[m.name] = m.autoload
		}
		var nf *notFound
		log := ld.rt.log.WithField("module", m.name).WithField("host", m.host)
		switch {
		case m.autoload && errors.As(err, &nf):
			log.Debugf("autoloaded module '%s' is not on the plugin paths; skipped", m.name)
		case strict || m.required:
			errs = append(errs, err)
		case xmppOnly(m.name, err):
			log.Debugf("skipped XMPP module '%s': %v", m.name, err)
			if !skipped[m.name] {
				skipped[m.name] = true
				rep.SkippedXMPP = append(rep.SkippedXMPP, m.name)
			}
		default:
			log.Errorf("%v (carrying on without it; strict_modules = true makes this fatal)", err)
			rep.Failed = append(rep.Failed, LoadFailure{Module: m.name, Host: m.host, Err: err})
		}
	}
	return rep, errors.Join(errs...)
}

// xmppOnly reports whether a module that did not load is an XMPP one.
func xmppOnly(name string, err error) bool {
	var le *loadError
	return xmppModules[name] || (errors.As(err, &le) && le.needsXMPP != "")
}

// loadError is a module that was found but failed to load.
type loadError struct {
	needsXMPP string // the XMPP library or method it asked for, if any
	err       error
}

func (e *loadError) Error() string {
	if e.needsXMPP != "" {
		return e.err.Error() + " (it needs " + e.needsXMPP + ": an XMPP server's)"
	}
	return e.err.Error()
}

func (e *loadError) Unwrap() error { return e.err }
