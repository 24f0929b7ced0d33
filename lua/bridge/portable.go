package bridge

import lua "github.com/yuin/gopher-lua"

// A portable object is a Go object that module code sees through a proxy
// table (an HTTP request or response, a connection, …) and that may be
// handed from one instance's Lua state to another's: a value crossing
// states (a call through another module's function, an item, an event)
// is not copied field by field but seen anew in the receiving state, on
// the same Go object, so what one module changes the other sees.
//
// A proxy table is tied to its object by its Host (the gopher-lua fork's
// LTable.Host, which a record's proxies use), or marks itself with its
// metatable's portableKey field, a userdata whose Value is the portable
// object.
type portable interface {
	// proxyIn makes the object's proxy in inst's state; the caller holds
	// that state.
	proxyIn(inst *Instance) lua.LValue
}

// portableKey is the metatable field that marks a proxy of a portable
// object.
const portableKey = "__moonport_portable"

// markPortable sets the marker on a proxy's metatable.
func markPortable(L *lua.LState, mt *lua.LTable, obj portable) {
	ud := L.NewUserData()
	ud.Value = obj
	mt.RawSetString(portableKey, ud)
}

// portableOf is the portable object behind v, if v is a marked proxy.
func portableOf(L *lua.LState, v lua.LValue) (portable, bool) {
	if t, ok := v.(*lua.LTable); ok && t.Host != nil {
		obj, ok := t.Host.Value.(portable)
		return obj, ok
	}
	mt, ok := L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return nil, false
	}
	ud, ok := mt.RawGetString(portableKey).(*lua.LUserData)
	if !ok {
		return nil, false
	}
	obj, ok := ud.Value.(portable)
	return obj, ok
}
