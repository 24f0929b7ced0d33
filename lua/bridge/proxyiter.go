package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// Iterating a proxy of another state's table: a module:shared table owned
// by another instance (shared.go), another module's environment
// (depends_env.go). In Prosody both are plain tables of the one state, so
// pairs, next and # see their content; here the proxy is an empty table
// whose __index reaches the owner's state, and:
//
//   - pairs(proxy) (its __pairs, which the gopher-lua fork honours as Lua
//     5.2+ does) copies the owner's table as it is now into the proxy's
//     state, in one call into the owner's state (entered and bounded as
//     every call across states is: crossstate.go), and iterates the copy:
//     keys and values come as a read gives them (tables copied, functions
//     as proxies). One copy for the loop, not a call per step: the owner
//     runs on another goroutine and may change its table between steps,
//     which in Prosody's single thread it cannot do during a loop (and a
//     key it dropped meanwhile would make next raise);
//   - next(proxy, k) (the module state's next, installNext) does the same
//     with the copy the proxy's last next(proxy) took, a new copy when k
//     is nil or not in it, so `next(proxy) == nil` and `for k, v in next,
//     proxy` see the owner's table too;
//   - #proxy (its __len) is the owner's table's length, one call;
//   - ipairs reads through __index (ipairs_index.go), an index at a time.
//
// The owner's table is touched by the owner's state only: the copy is
// made there (export) and built here (importX).

// iterable is a proxy whose owner's table can be copied out.
type iterable interface {
	// iter is the proxy's iteration state.
	iter() *proxyIter
	// content is a copy of the owner's table in the proxy's state, made
	// with one call into the owner's; the error says why it could not be.
	content() (*lua.LTable, error)
	// length is the owner's table's length (#).
	length() (int, error)
	// what names the proxy in errors: module:shared("path").
	what() string
}

// proxyIter ties a proxy table to its Go object (the table's Host) and
// keeps the copy next iterates.
type proxyIter struct {
	ref  lua.HostRef
	copy *lua.LTable
}

// tieIterable makes t, a proxy table whose metatable has proxyPairs and
// proxyLen (iterableMeta), iterable as p.
func tieIterable(t *lua.LTable, p iterable) {
	it := p.iter()
	it.ref.Value = p
	t.Host = &it.ref
}

// iterableMeta are the metatable entries of an iterable proxy.
var iterableMeta = map[string]lua.LGFunction{
	"__pairs": proxyPairs,
	"__len":   proxyLen,
}

// iterableOf is the proxy behind v, if v is an iterable proxy.
func iterableOf(v lua.LValue) (iterable, bool) {
	t, ok := v.(*lua.LTable)
	if !ok || t.Host == nil {
		return nil, false
	}
	p, ok := t.Host.Value.(iterable)
	return p, ok
}

// checkIterable is argument 1 as an iterable proxy.
func checkIterable(L *lua.LState) iterable {
	p, ok := iterableOf(L.Get(1))
	if !ok {
		L.ArgError(1, "proxy expected")
	}
	return p
}

// contentOf is p's copy, raising the reason it could not be made.
func contentOf(L *lua.LState, p iterable) *lua.LTable {
	t, err := p.content()
	if err != nil {
		L.RaiseError("%s: %s", p.what(), err.Error())
	}
	return t
}

// proxyPairs is __pairs: next over a copy of its own, so loops over the
// same proxy (nested, or one left by break) do not disturb each other.
func proxyPairs(L *lua.LState) int {
	t := contentOf(L, checkIterable(L))
	L.Push(L.NewFunction(copyNext))
	L.Push(t)
	L.Push(lua.LNil)
	return 3
}

// copyNext steps through a copy; its keys are always the copy's own.
func copyNext(L *lua.LState) int {
	k, v := L.CheckTable(1).Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

// proxyLen is __len.
func proxyLen(L *lua.LState) int {
	p := checkIterable(L)
	n, err := p.length()
	if err != nil {
		L.RaiseError("%s: %s", p.what(), err.Error())
	}
	L.Push(lua.LNumber(n))
	return 1
}

// installNext makes the state's next see through iterable proxies; any
// other table goes straight to the fork's next.
func installNext(L *lua.LState) {
	orig, ok := L.GetGlobal("next").(*lua.LFunction)
	if !ok || !orig.IsG {
		return
	}
	next := orig.GFunction
	L.SetGlobal("next", L.NewFunction(func(L *lua.LState) int {
		if p, ok := iterableOf(L.Get(1)); ok {
			return proxyNext(L, p)
		}
		return next(L)
	}))
}

// proxyNext is next(proxy, k): from the copy the last next took when k is
// in it, else from a new copy; a key in neither is invalid, as for next
// on a table.
func proxyNext(L *lua.LState, p iterable) int {
	it, k := p.iter(), L.Get(2)
	if k == lua.LNil || it.copy == nil || it.copy.RawGet(k) == lua.LNil {
		it.copy = contentOf(L, p)
		if k != lua.LNil && it.copy.RawGet(k) == lua.LNil {
			L.RaiseError("invalid key to 'next'")
		}
	}
	L.SetTop(2)
	L.Replace(1, it.copy)
	return copyNext(L)
}
