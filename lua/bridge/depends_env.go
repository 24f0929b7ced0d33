package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// module:depends(name) returns, as in Prosody, the other module's
// environment: its globals (mod_invites_page calls invites.get, a global
// function of mod_invites). A module's environment is its state's globals
// table, so:
//
//   - depending on itself returns that table;
//   - depending on another module (another state) returns a proxy table
//     whose reads reach the other state, entered as a call across states
//     is (crossstate.go): functions come back as proxies running there,
//     tables as copies. Writes are refused: Prosody's modules only read a
//     dependency's environment, and a copied-in write (as module:shared's
//     proxies do) would silently diverge from what the module itself sees
//     for any table it changes in place. pairs and next list the module's
//     own globals, # is its globals table's length (proxyiter.go).
//
// A proxy follows its module across a reload: when the instance it was
// made for has stopped, reads go to the running instance of that module
// on that host.

// dependsEnv returns the environment of dep as seen from inst's state.
func dependsEnv(inst, dep *Instance) lua.LValue {
	L := inst.L
	if dep == inst {
		return L.G.Global
	}
	p := &envProxy{from: inst, dep: dep}
	ud := L.NewUserData()
	ud.Value = p
	t := L.NewTable()
	mt := L.SetFuncs(L.NewTable(), envProxyMeta, ud)
	L.SetMetatable(t, L.SetFuncs(mt, iterableMeta))
	tieIterable(t, p)
	return t
}

// envProxy is an instance's view of another module's environment.
type envProxy struct {
	from, dep *Instance
	it        proxyIter
}

func (p *envProxy) iter() *proxyIter { return &p.it }
func (p *envProxy) what() string     { return "module:depends(\"" + p.dep.Name + "\")" }

// content copies the module's own globals (proxyiter.go): those its
// code set, not the ones every state starts with (ownGlobals), as
// Prosody's module environment holds only those (its __index reaches
// the rest).
func (p *envProxy) content() (*lua.LTable, error) {
	owner := p.target()
	var x any
	err := within(p.from, chainOf(p.from), owner, func() {
		x = owner.export(owner.ownGlobals())
	})
	if err != nil {
		return nil, err
	}
	t, _ := p.from.importX(x).(*lua.LTable)
	if t == nil {
		t = p.from.L.NewTable()
	}
	return t, nil
}

// length is # of the module's globals table.
func (p *envProxy) length() (n int, err error) {
	owner := p.target()
	err = within(p.from, chainOf(p.from), owner, func() { n = owner.L.G.Global.Len() })
	return n, err
}

// ownGlobals is a table of the globals the module's code set or changed:
// those whose value differs from what the state held before it ran
// (baseGlobals). The caller holds the state.
func (inst *Instance) ownGlobals() *lua.LTable {
	L := inst.L
	out := L.NewTable()
	L.G.Global.ForEach(func(k, v lua.LValue) {
		if base, ok := inst.baseGlobals[k]; !ok || base != v {
			out.RawSet(k, v)
		}
	})
	return out
}

var envProxyMeta = map[string]lua.LGFunction{
	"__index":    envIndex,
	"__newindex": envNewIndex,
}

func envProxyOf(L *lua.LState) *envProxy {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*envProxy)
}

// target is the instance reads go to: the one the proxy was made for, or,
// once that has stopped, the running instance of its module on its host
// (the stopped one when there is none: the read then says it stopped).
func (p *envProxy) target() *Instance {
	if !p.dep.isStopped() {
		return p.dep
	}
	for _, i := range p.from.rt.active() {
		if i.Name == p.dep.Name && i.Host == p.dep.Host && !i.isStopped() {
			p.dep = i
			return i
		}
	}
	return p.dep
}

// envIndex reads a global of the other module: looked up there as the
// module's own code would (its globals' metatable included), copied out.
func envIndex(L *lua.LState) int {
	p := envProxyOf(L)
	key := L.Get(2)
	owner := p.target()
	kx := p.from.export(key)
	var x any
	err := within(p.from, chainOf(p.from), owner, func() {
		x = owner.export(owner.L.GetTable(owner.L.G.Global, owner.importX(kx)))
	})
	if err != nil {
		L.RaiseError("module:depends(%q): %s", owner.Name, err.Error())
	}
	L.Push(p.from.importX(x))
	return 1
}

// envNewIndex refuses a write: see the comment at the top of the file.
func envNewIndex(L *lua.LState) int {
	p := envProxyOf(L)
	L.RaiseError("module:depends(%q): the environment of module '%s' lives in its own Lua state and is read-only from module '%s' (setting %s)",
		p.dep.Name, p.dep.Name, p.from.Name, L.Get(2).String())
	return 0
}

// globalsNow is a copy of L's globals.
func globalsNow(L *lua.LState) map[lua.LValue]lua.LValue {
	m := map[lua.LValue]lua.LValue{}
	L.G.Global.ForEach(func(k, v lua.LValue) { m[k] = v })
	return m
}
