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
//     for any table it changes in place. Proxies cannot be iterated (pairs
//     and # see an empty table: gopher-lua ignores __pairs and __len).
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
	ud := L.NewUserData()
	ud.Value = &envProxy{from: inst, dep: dep}
	t := L.NewTable()
	L.SetMetatable(t, L.SetFuncs(L.NewTable(), envProxyMeta, ud))
	return t
}

// envProxy is an instance's view of another module's environment.
type envProxy struct {
	from, dep *Instance
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
