package bridge

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/status"
	"github.com/moonport/moonport/lua/luaval"
)

// core.portmanager is Prosody's registry of network services, read from
// moonport's own: the services modules provided (module:provides("net",
// …), in the set the module loads into) and the listeners open now
// (CoreViews.Bound, which host/core fills from host/listen's pool), or,
// for a service the host has not bound yet, the ones it will bind
// (activeListeners), as a util.multitable like Prosody's. The
// port planner decides what opens, so a module cannot register, activate
// or close a service through this library.
//
// A service object is what module:provides was given, seen from the
// asking module's state: name, default_port, encryption, config_prefix,
// multiplex and listener. The providing module sees its own listener
// table; any other module gets a stand-in whose use on a connection
// (conn:setlistener, then onincoming(conn, data)) hands the connection to
// the service, as mod_net_multiplex does. One state sees one table per
// service, so events about it compare equal. The global events
// service-added and service-removed (module_items.go) carry the same
// objects.

// CoreViews is what host/core lets the core.* libraries read of the host.
type CoreViews struct {
	Bound func() []Bound // the listeners open now
	// Applied reports whether the running bind plan was made with the
	// service (its listeners are open, or failed to open). A service not
	// yet applied (modules load before the host binds) is seen as the
	// bindings host/ports plans for it under the loading config. Without
	// Applied, every service counts as applied.
	Applied func(service string) bool
	Status  func() status.Snapshot // the server's figures (core.statsmanager)
}

// Bound is one open listener, keyed as Prosody's active services are.
type Bound struct {
	Service   string
	Interface string // the address as written in the config: "127.0.0.1", "::"
	Port      int    // the port bound
}

// SetCoreViews installs what the core.* libraries read.
func (rt *Runtime) SetCoreViews(v CoreViews) { rt.views.Store(&v) }

func (rt *Runtime) coreViews() CoreViews {
	if v := rt.views.Load(); v != nil {
		return *v
	}
	return CoreViews{}
}

var portmanagerFuncs = map[string]lua.LGFunction{
	"get_service":             pmGetService,
	"get_registered_services": pmRegisteredServices,
	"get_active_services":     pmActiveServices,
	"get_service_at":          pmServiceAt,
	"register_service":        pmRefuse("register_service"),
	"unregister_service":      pmRefuse("unregister_service"),
	"activate":                pmRefuse("activate"),
	"deactivate":              pmRefuse("deactivate"),
	"close":                   pmRefuse("close"),
}

func init() { registerLibrary("core.portmanager", funcsLibrary(portmanagerFuncs)) }

// pmRefuse answers a call that would change the plan of listeners: nil
// and why, as Prosody's portmanager reports failures.
func pmRefuse(name string) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(lua.LNil)
		L.Push(lua.LString("core.portmanager." + name + " is not available in moonport: services come from module:provides(\"net\", …) and the config's ports decide what listens"))
		return 2
	}
}

// knownServices are the services of the set the instance belongs to.
func (inst *Instance) knownServices() []*NetService {
	list := servicesOf(inst.peers())
	if p := inst.copyOf; p != nil {
		inst = p
	}
	for _, s := range inst.services {
		if findService(list, s.Name) == nil {
			list = append(list, s) // provided while the module loads
		}
	}
	return list
}

func pmGetService(L *lua.LState) int {
	inst := instanceOf(L)
	s := findService(inst.knownServices(), L.CheckString(1))
	if s == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(inst.serviceObject(s))
	return 1
}

// pmRegisteredServices is get_registered_services(): name -> the list of
// services of that name (one here: a name is provided once).
func pmRegisteredServices(L *lua.LState) int {
	inst := instanceOf(L)
	out := L.NewTable()
	for _, s := range inst.knownServices() {
		out.RawSetString(s.Name, L.NewTable())
		out.RawGetString(s.Name).(*lua.LTable).Append(inst.serviceObject(s))
	}
	L.Push(out)
	return 1
}

// activeListeners are the listeners core.portmanager reports: those open
// now, and for a service the host has not applied yet (a module asks
// while modules load, before anything is bound, where Prosody would have
// activated the service as it was provided) what host/ports plans for it
// under inst's config, a planned port 0 staying 0.
func (inst *Instance) activeListeners(known []*NetService) []Bound {
	views := inst.rt.coreViews()
	var out []Bound
	if views.Bound != nil {
		out = views.Bound()
	}
	if views.Applied == nil {
		return out
	}
	pending := map[string]bool{}
	for _, s := range known {
		pending[s.Name] = !views.Applied(s.Name)
	}
	snap := inst.snap.Load()
	if snap == nil {
		return out
	}
	for _, b := range ports.Plan(snap, portServices(known)).Bindings {
		if pending[b.Service] {
			out = append(out, Bound{Service: b.Service, Interface: b.Address.String(), Port: b.Port})
		}
	}
	return out
}

// pmActiveServices is get_active_services(): a util.multitable keyed
// service, interface, port holding lists of { service = service object },
// made anew at each call from activeListeners.
func pmActiveServices(L *lua.LState) int {
	inst := instanceOf(L)
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString("util.multitable"))
	L.Call(1, 1)
	L.Push(L.GetField(L.Get(-1), "new"))
	L.Call(0, 1)
	active := L.Get(-1)
	L.Pop(2)
	add := L.GetField(active, "add")
	known := inst.knownServices()
	for _, b := range inst.activeListeners(known) {
		if s := findService(known, b.Service); s != nil {
			entry := L.NewTable()
			entry.RawSetString("service", inst.serviceObject(s))
			L.Push(add)
			L.Push(active)
			L.Push(lua.LString(b.Service))
			L.Push(lua.LString(b.Interface))
			L.Push(lua.LNumber(b.Port))
			L.Push(entry)
			L.Call(5, 0)
		}
	}
	L.Push(active)
	return 1
}

// pmServiceAt is get_service_at(interface, port): the service listening
// there, or nil and "not-found".
func pmServiceAt(L *lua.LState) int {
	inst := instanceOf(L)
	iface, port := L.CheckString(1), L.CheckInt(2)
	known := inst.knownServices()
	for _, b := range inst.activeListeners(known) {
		if s := findService(known, b.Service); s != nil && b.Interface == iface && b.Port == port {
			L.Push(inst.serviceObject(s))
			return 1
		}
	}
	L.Push(lua.LNil)
	L.Push(lua.LString("not-found"))
	return 2
}

func subtable(L *lua.LState, t *lua.LTable, key lua.LValue) *lua.LTable {
	if v, ok := t.RawGet(key).(*lua.LTable); ok {
		return v
	}
	v := L.NewTable()
	t.RawSet(key, v)
	return v
}

// serviceCacheKey is where a state keeps the service objects it was
// given, in its registry, so one service is one table there.
const serviceCacheKey = "moonport.core.portmanager.services"

// serviceObject is s as a Prosody service table in inst's state (the
// caller holds it).
func (inst *Instance) serviceObject(s *NetService) lua.LValue {
	L := inst.L
	reg := L.Get(lua.RegistryIndex).(*lua.LTable)
	cache := subtable(L, reg, lua.LString(serviceCacheKey))
	key := lua.LString(fmt.Sprintf("%s %p", s.Name, s))
	if v := cache.RawGet(key); v != lua.LNil {
		return v
	}
	t := L.NewTable()
	t.RawSetString("name", lua.LString(s.Name))
	t.RawSetString("_provided_by", lua.LString(s.Module))
	if len(s.DefaultPorts) > 0 {
		t.RawSetString("default_port", lua.LNumber(s.DefaultPorts[0]))
	}
	if s.PrefixSet {
		t.RawSetString("config_prefix", lua.LString(s.ConfigPrefix))
	}
	switch s.Encryption {
	case ports.DirectTLS:
		t.RawSetString("encryption", lua.LString("ssl"))
	case ports.StartTLS:
		t.RawSetString("encryption", lua.LString("starttls"))
	}
	if s.Multiplex != nil {
		t.RawSetString("multiplex", luaval.ToLua(L, s.Multiplex))
	}
	t.RawSetString("listener", inst.listenerFor(s))
	cache.RawSet(key, t)
	return t
}

// listenerFor is the listener table of s as inst may use it: the module's
// own for its own service, else a stand-in that hands connections over.
func (inst *Instance) listenerFor(s *NetService) lua.LValue {
	owner := inst
	if inst.copyOf != nil {
		owner = inst.copyOf
	}
	if s.inst == owner {
		for _, h := range s.handlers {
			if h.inst == inst {
				return h.listener
			}
		}
	}
	L := inst.L
	t := L.NewTable()
	if h := s.handlers[0]; h.hasMode { // from Go: the listener table is another state's
		t.RawSetString("default_mode", modeValue(h.mode))
	}
	name := lua.LString(s.Name)
	t.RawSetString("onconnect", L.NewFunction(func(*lua.LState) int { return 0 })) // the service hears it from the hand-over
	t.RawSetString("onincoming", L.NewClosure(foreignIncoming, name))
	mt := L.NewTable()
	mt.RawSetString(foreignKey, name)
	L.SetMetatable(t, mt)
	return t
}

// modeValue is a read mode as a listener's default_mode says it.
func modeValue(m listen.Mode) lua.LValue {
	switch m.Kind {
	case listen.Lines:
		return lua.LString("*l")
	case listen.Bytes:
		return lua.LNumber(m.N)
	}
	return lua.LString("*a")
}

// foreignKey marks a stand-in listener's metatable with its service.
const foreignKey = "__moonport_service"

// foreignListener reports whether v is a stand-in listener and for which
// service.
func foreignListener(L *lua.LState, v lua.LValue) (string, bool) {
	mt, ok := L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return "", false
	}
	name, ok := mt.RawGetString(foreignKey).(lua.LString)
	return string(name), ok
}

// foreignIncoming is a stand-in's onincoming(conn, data): data becomes
// the first bytes the service reads.
func foreignIncoming(L *lua.LState) int {
	lc := checkConn(L)
	target := lc.inst.rt.Service(string(L.Get(lua.UpvalueIndex(1)).(lua.LString)))
	if target != nil {
		lc.feed(target, []byte(L.OptString(2, "")))
	}
	return 0
}

// service is the net service a net-provider item declared, which other
// states see as its service object (Prosody's portmanager hands out the
// item itself; here the listener in it belongs to another state).
func (it *item) service() *NetService {
	if it.typ != "net-provider" {
		return nil
	}
	owner := it.owner
	if owner.copyOf != nil {
		owner = owner.copyOf
	}
	return findService(owner.services, it.name)
}

func init() { connMethods["socket"] = connSocket }

// connSocket is conn:socket(), Prosody's raw socket, reduced to what
// multiplexers ask of it: on a TLS connection, getalpn() (the negotiated
// protocol, or nil). A plain connection's has no getalpn.
func connSocket(L *lua.LState) int {
	lc := checkConn(L)
	sock := L.NewTable()
	if lc.c.Secure() {
		sock.RawSetString("getalpn", L.NewClosure(socketALPN, lc.ud))
	}
	L.Push(sock)
	return 1
}

func socketALPN(L *lua.LState) int {
	lc := L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*luaConn)
	st, _ := lc.c.TLSState()
	if st.NegotiatedProtocol == "" {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(st.NegotiatedProtocol))
	return 1
}
