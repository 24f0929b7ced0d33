package bridge

import (
	"fmt"
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/status"
	"github.com/moonport/moonport/lua/luaval"
)

// core.portmanager is Prosody's registry of network services, read from
// moonport's own: the services modules provided (module:provides("net",
// …), in the set the module loads into) and the listeners open now
// (CoreViews.Bound, which host/core fills from host/listen's pool). The
// port planner decides what opens, so a module cannot register, activate
// or close a service through this library.
//
// A service object is what module:provides was given, seen from the
// asking module's state: name, default_port, encryption, config_prefix,
// multiplex and listener. The providing module sees its own listener
// table; any other module gets a stand-in whose use on a connection
// (conn:setlistener, then onincoming(conn, data)) hands the connection to
// the service, as mod_net_multiplex does. One state sees one table per
// service, so events about it compare equal.

// CoreViews is what host/core lets the core.* libraries read of the host.
type CoreViews struct {
	Bound  func() []Bound         // the listeners open now
	Status func() status.Snapshot // the server's figures (core.statsmanager)
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

// pmActiveServices is get_active_services(): a multitable keyed service,
// interface, port holding lists of { service = service object }, made
// anew at each call from the listeners open then.
func pmActiveServices(L *lua.LState) int {
	inst := instanceOf(L)
	data := L.NewTable()
	known := inst.knownServices()
	var bound []Bound
	if fn := inst.rt.coreViews().Bound; fn != nil {
		bound = fn()
	}
	for _, b := range bound {
		s := findService(known, b.Service)
		if s == nil {
			continue
		}
		entry := L.NewTable()
		entry.RawSetString("service", inst.serviceObject(s))
		list := subtable(L, subtable(L, subtable(L, data, lua.LString(b.Service)), lua.LString(b.Interface)), lua.LNumber(b.Port))
		list.Append(entry)
	}
	L.Push(newMultitable(L, data))
	return 1
}

// pmServiceAt is get_service_at(interface, port): the service listening
// there, or nil and "not-found".
func pmServiceAt(L *lua.LState) int {
	inst := instanceOf(L)
	iface, port := L.CheckString(1), L.CheckInt(2)
	if fn := inst.rt.coreViews().Bound; fn != nil {
		for _, b := range fn() {
			if s := findService(inst.knownServices(), b.Service); s != nil && b.Interface == iface && b.Port == port {
				L.Push(inst.serviceObject(s))
				return 1
			}
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

// newMultitable is Prosody's util.multitable over data, with the methods
// modules call on the active services: get(keys…) walks the keys;
// search(keys…) collects what lies at the depth of the keys given, nil
// matching every key at its level.
func newMultitable(L *lua.LState, data *lua.LTable) *lua.LTable {
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"get": multitableGet, "search": multitableSearch})
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	t := L.NewTable()
	t.RawSetString("data", data)
	L.SetMetatable(t, mt)
	return t
}

func multitableGet(L *lua.LState) int {
	var v lua.LValue = L.CheckTable(1).RawGetString("data")
	for i := 2; i <= L.GetTop() && v != lua.LNil; i++ {
		t, ok := v.(*lua.LTable)
		if !ok {
			v = lua.LNil
			break
		}
		v = t.RawGet(L.Get(i))
	}
	L.Push(v)
	return 1
}

func multitableSearch(L *lua.LState) int {
	data, _ := L.CheckTable(1).RawGetString("data").(*lua.LTable)
	keys := make([]lua.LValue, 0, L.GetTop())
	for i := 2; i <= L.GetTop(); i++ {
		keys = append(keys, L.Get(i))
	}
	results := L.NewTable()
	var walk func(t *lua.LTable, depth int)
	walk = func(t *lua.LTable, depth int) {
		k := keys[depth]
		if depth == len(keys)-1 {
			if k == lua.LNil {
				t.ForEach(func(_, v lua.LValue) { results.Append(v) })
			} else if v := t.RawGet(k); v != lua.LNil {
				results.Append(v)
			}
			return
		}
		next := func(v lua.LValue) {
			if sub, ok := v.(*lua.LTable); ok {
				walk(sub, depth+1)
			}
		}
		if k != lua.LNil {
			next(t.RawGet(k))
		} else {
			t.ForEach(func(_, v lua.LValue) { next(v) })
		}
	}
	if data != nil && len(keys) > 0 {
		walk(data, 0)
	}
	L.Push(results)
	return 1
}

// announceService tells the global modules (those that hook Prosody's
// global events) that s was provided ("service-added") or went away
// ("service-removed"), with Prosody's payload { name, service }. Each
// hears it on its own state after its running callback; a copy's
// services are its primary's and are not announced again.
func (inst *Instance) announceService(event string, s *NetService) {
	if inst.copyOf != nil {
		return
	}
	targets := inst.rt.Instances()
	if inst.Host == "*" && !slices.Contains(targets, inst) {
		targets = append(targets, inst) // still loading: it hears its own
	}
	for _, g := range targets {
		if g.Host != "*" {
			continue
		}
		g.post(func() {
			data := g.L.NewTable()
			data.RawSetString("name", lua.LString(s.Name))
			data.RawSetString("service", g.serviceObject(s))
			g.fire(event, data)
		})
	}
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
