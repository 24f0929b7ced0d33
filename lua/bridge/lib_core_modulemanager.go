package bridge

import (
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// require "core.modulemanager": Prosody's module manager onto moonport's
// runtime. Loading, unloading and reloading a module is what the console's
// module:load/unload/reload do (the Admin calls module_load, …): the
// runtime is told (Override) and the config is applied again, so the bind
// plan follows whatever services the module brings or takes away. Such a
// reload runs module code — possibly the caller's own module — so it never
// runs while the calling state is held: inside a task (admin.run) the call
// waits for it without holding the state and returns its outcome; anywhere
// else (a hook such as config-reloaded, where Prosody's modules call it)
// it is started after the current callback and returns true at once, its
// outcome logged (a change the server's stop overtook is dropped).
//
// A reload asked for here fires no config-reloaded (Prosody's module
// reload does not either): mod_reload_modules reloads modules from that
// very event and would otherwise reload forever.

func init() { registerLibrary("core.modulemanager", funcsLibrary(modulemanagerFuncs)) }

var modulemanagerFuncs = map[string]lua.LGFunction{
	"load":                 mmChange("load"),
	"unload":               mmChange("unload"),
	"reload":               mmChange("reload"),
	"is_loaded":            mmIsLoaded,
	"get_module":           mmGetModule,
	"get_modules":          mmGetModules,
	"get_modules_for_host": mmGetModulesForHost,
}

// mmChange is load/unload/reload(host, name).
func mmChange(op string) lua.LGFunction {
	return func(L *lua.LState) int {
		inst := instanceOf(L)
		host, name := L.CheckString(1), L.CheckString(2)
		if op != "load" {
			host = inst.rt.residence(host, name)
		}
		if inst.rt.admin == nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("no module manager in this process (it has no host to reload)"))
			return 2
		}
		if !inst.tasks[L] {
			inst.rt.background(func() {
				if err := inst.rt.changeModule(op, name, host); err != nil && inst.rt.ctx.Err() == nil {
					inst.log.Errorf("modulemanager.%s(%q, %q) failed: %v", op, host, name, err)
				}
			})
			L.Push(lua.LTrue)
			return 1
		}
		_, err := inst.await(L, func() (any, error) { return nil, inst.rt.changeModule(op, name, host) })
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		if op == "load" {
			L.Push(moduleSummary(L, inst.rt.loadedModule(host, name)))
			return 1
		}
		L.Push(lua.LTrue)
		return 1
	}
}

// changeModule runs one module change through the host, as the console
// does, in a reload that fires no config-reloaded. Changes run one at a
// time, so the quiet reload is the one asked for (a concurrent SIGHUP may
// take the mark, and its reload is then the quiet one: each reload still
// happens, and at least one of them fires the event).
func (rt *Runtime) changeModule(op, name, host string) error {
	select { // a change asked for while starting waits until the host can reload
	case <-rt.started:
	case <-rt.ctx.Done():
		return rt.ctx.Err()
	}
	rt.changeMu.Lock()
	defer rt.changeMu.Unlock()
	rt.quietReload.Store(true)
	defer rt.quietReload.Store(false)
	_, err := rt.admin.Call("module_"+op, []any{name, host, "modulemanager"})
	return err
}

// residence is the host a loaded module sits on for Prosody's (host,
// name): host itself, or "*" for a module moonport loads once globally
// (Prosody loads one per host).
func (rt *Runtime) residence(host, name string) string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.loaded[moduleRef{name: name, host: host}.key()] == nil && rt.loaded[globalKey(name)] != nil {
		return "*"
	}
	return host
}

// loadedModule is the running instance of name for host, or nil.
func (rt *Runtime) loadedModule(host, name string) *Instance {
	at := rt.residence(host, name)
	rt.mu.Lock()
	inst := rt.loaded[moduleRef{name: name, host: at}.key()]
	rt.mu.Unlock()
	if inst == nil || !rt.serves(inst, host) {
		return nil
	}
	return inst
}

// serves says whether inst serves host: a global one serves the hosts
// the loader added to it (module.add_host), one per host wanting it.
func (rt *Runtime) serves(inst *Instance, host string) bool {
	if host == "*" || inst.Host == host {
		return true
	}
	if inst.Host != "*" {
		return false
	}
	inst.hostsMu.Lock()
	defer inst.hostsMu.Unlock()
	return inst.hosts[host]
}

// modulesOn lists the running modules of host (the global ones serving it
// included), by name.
func (rt *Runtime) modulesOn(host string) map[string]*Instance {
	out := map[string]*Instance{}
	for _, inst := range rt.active() {
		if inst.Host == host || (inst.Host == "*" && rt.serves(inst, host)) {
			if out[inst.Name] == nil || inst.Host == host {
				out[inst.Name] = inst
			}
		}
	}
	return out
}

// moduleSummary is what Lua gets for a module of another state: its name,
// host and file (nil for none). Its object lives in its own Lua state.
func moduleSummary(L *lua.LState, inst *Instance) lua.LValue {
	if inst == nil {
		return lua.LNil
	}
	t := L.NewTable()
	t.RawSetString("name", lua.LString(inst.Name))
	t.RawSetString("host", lua.LString(inst.Host))
	t.RawSetString("path", lua.LString(inst.Path))
	return t
}

// mmIsLoaded is is_loaded(host, name).
func mmIsLoaded(L *lua.LState) int {
	L.Push(lua.LBool(instanceOf(L).rt.loadedModule(L.CheckString(1), L.CheckString(2)) != nil))
	return 1
}

// mmGetModule is get_module(host, name): the module's summary, or nil.
func mmGetModule(L *lua.LState) int {
	L.Push(moduleSummary(L, instanceOf(L).rt.loadedModule(L.CheckString(1), L.CheckString(2))))
	return 1
}

// mmGetModules is get_modules(host): name -> summary of what runs there.
func mmGetModules(L *lua.LState) int {
	t := L.NewTable()
	for name, inst := range instanceOf(L).rt.modulesOn(L.CheckString(1)) {
		t.RawSetString(name, moduleSummary(L, inst))
	}
	L.Push(t)
	return 1
}

// mmGetModulesForHost is get_modules_for_host(host): the util.set of the
// modules the running config enables there, and, for a Component, its
// module as the second result.
func mmGetModulesForHost(L *lua.LState) int {
	host := L.CheckString(1)
	snap := instanceOf(L).rt.Config()
	global := globalModules(snap)
	refs := global
	var component lua.LValue = lua.LNil
	if sec := snap.Host(host); sec != nil {
		refs = hostModules(sec, global)
		if sec.Module != "" {
			component = lua.LString(sec.Module)
		}
	}
	var list []string
	for _, m := range refs {
		list = append(list, m.name)
	}
	sort.Strings(list)
	items := L.NewTable()
	for _, n := range list {
		items.Append(lua.LString(n))
	}
	L.Push(stateSet(L, items))
	L.Push(component)
	return 2
}

// stateSet is util.set.new(items) as the state's require gives it, so
// callers get the same kind of set as the module's own.
func stateSet(L *lua.LState, items *lua.LTable) lua.LValue {
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString("util.set"))
	L.Call(1, 1)
	lib := L.Get(-1)
	L.Pop(1)
	L.Push(L.GetField(lib, "new"))
	L.Push(items)
	L.Call(1, 1)
	set := L.Get(-1)
	L.Pop(1)
	return set
}
