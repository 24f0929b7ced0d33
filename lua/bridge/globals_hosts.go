package bridge

import (
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
)

// hostsTable is a state's `hosts`: hosts[name] = { host, type, modules,
// events } for every VirtualHost and Component of the config. modules
// maps a module's name to its environment: this module's own globals,
// or for a module in another state a table with its `module` fields
// (name, host, path, global). The table and each host's entry keep their
// identity across updates, so modules may keep them in locals.
type hostsTable struct {
	inst *Instance
	t    *lua.LTable
	seen hostsKey
}

// newHostsTable makes the table. Looking up a host it lacks brings it up
// to date first, so a module that keeps `hosts` in a local still finds a
// host a reload added.
func newHostsTable(inst *Instance) *hostsTable {
	L := inst.L
	h := &hostsTable{inst: inst, t: L.NewTable()}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.Push(h.fresh().RawGet(L.Get(2)))
		return 1
	}))
	L.SetMetatable(h.t, mt)
	return h
}

// hostsKey is what the table was built from: when it differs, the hosts
// or the modules changed.
type hostsKey struct {
	snap     *config.Snapshot
	modules  []*Instance
	attached int // hosts added to global modules
}

func (h *hostsTable) key() hostsKey {
	k := hostsKey{snap: h.inst.snap.Load(), modules: h.inst.rt.Primaries()}
	for _, m := range k.modules {
		m.hostsMu.Lock()
		k.attached += len(m.hosts)
		m.hostsMu.Unlock()
	}
	return k
}

// fresh brings the table up to date and returns it.
func (h *hostsTable) fresh() *lua.LTable {
	k := h.key()
	if k.snap == h.seen.snap && k.attached == h.seen.attached && slices.Equal(k.modules, h.seen.modules) {
		return h.t
	}
	h.seen = k
	L := h.inst.L
	want := map[string]bool{}
	for _, sec := range k.snap.Hosts() {
		want[sec.Name] = true
		entry, ok := h.t.RawGetString(sec.Name).(*lua.LTable)
		if !ok {
			entry = L.NewTable()
			h.t.RawSetString(sec.Name, entry)
		}
		entry.RawSetString("host", lua.LString(sec.Name))
		kind := "local"
		if sec.Kind == config.Component {
			kind = "component"
		}
		entry.RawSetString("type", lua.LString(kind))
		if kind == "local" && entry.RawGetString("sessions") == lua.LNil {
			entry.RawSetString("sessions", L.NewTable()) // no XMPP user is ever online here
		}
		entry.RawSetString("modules", h.modulesOf(sec.Name, k.modules))
		entry.RawSetString("events", h.inst.eventsObject(sec.Name))
	}
	var gone []lua.LValue
	h.t.ForEach(func(name, _ lua.LValue) {
		if !want[name.String()] {
			gone = append(gone, name)
		}
	})
	for _, name := range gone {
		h.t.RawSet(name, lua.LNil)
	}
	return h.t
}

// modulesOf is hosts[host].modules: the modules loaded on host, global
// ones the host was added to included.
func (h *hostsTable) modulesOf(host string, modules []*Instance) *lua.LTable {
	L := h.inst.L
	out := L.NewTable()
	if !slices.Contains(modules, h.inst) {
		modules = append(modules, h.inst) // still booting
	}
	for _, m := range modules {
		if m.Host != host && !(m.Host == "*" && m.hasHost(host)) {
			continue
		}
		if m == h.inst {
			out.RawSetString(m.Name, L.G.Global)
			continue
		}
		mod := L.NewTable()
		mod.RawSetString("name", lua.LString(m.Name))
		mod.RawSetString("host", lua.LString(m.Host))
		mod.RawSetString("path", lua.LString(m.Path))
		mod.RawSetString("global", lua.LBool(m.Host == "*"))
		env := L.NewTable()
		env.RawSetString("module", mod)
		out.RawSetString(m.Name, env)
	}
	return out
}

// hasHost reports whether host was added to a global module.
func (inst *Instance) hasHost(host string) bool {
	inst.hostsMu.Lock()
	defer inst.hostsMu.Unlock()
	return inst.hosts[host]
}
