package bridge

import lua "github.com/yuin/gopher-lua"

// User providers that modules bring, as in Prosody: a module on the host
// that calls module:provides("auth", provider) offers one named after it
// (mod_auth_custom: "custom"), and the host's authentication option picks
// it. core.usermanager then hands each call to that provider's method, in
// the providing module's own state (its functions reach the caller as
// cross-state proxies, crossstate.go); the built-in account store
// (lib_core_usermanager_store.go) serves internal_hashed and
// internal_plain when no module provides them. Unlike Prosody, moonport
// does not load mod_auth_<name> by itself: enable it in modules_enabled.

// authProvider is the provider a module on host offers under the name
// the host's authentication option gives, as L's state sees it, or nil.
func authProvider(L *lua.LState, host string) *lua.LTable {
	inst := instanceOf(L)
	name, _ := inst.rt.Config().Value(host, "authentication").(string)
	if name == "" {
		name = "internal_hashed"
	}
	for _, it := range inst.rt.items.visible(inst, host, "auth-provider") {
		if it.name == name {
			if t, ok := it.view(inst).(*lua.LTable); ok {
				return t
			}
		}
	}
	return nil
}

// viaProvider is a usermanager function that goes to the host's module
// provider, if there is one: its method with the same arguments less the
// host (argument hostArg), or for get_provider (method "") the provider
// itself; builtin serves the call otherwise.
func viaProvider(method string, hostArg int, builtin lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		p := authProvider(L, L.CheckString(hostArg))
		switch {
		case p == nil:
			return builtin(L)
		case method == "":
			L.Push(p)
			return 1
		}
		fn := p.RawGetString(method)
		if fn == lua.LNil {
			return pushFail(L, "method not implemented") // Prosody's null provider's answer
		}
		var args []lua.LValue
		for i := 1; i <= L.GetTop(); i++ {
			if i != hostArg {
				args = append(args, L.Get(i))
			}
		}
		top := L.GetTop()
		L.Push(fn)
		for _, a := range args {
			L.Push(a)
		}
		L.Call(len(args), lua.MultRet)
		return L.GetTop() - top
	}
}
