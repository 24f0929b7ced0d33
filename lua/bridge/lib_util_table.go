package bridge

import lua "github.com/yuin/gopher-lua"

func init() { registerLibrary("util.table", funcsLibrary(tableFuncs)) }

// tableFuncs is require "util.table" as Prosody 0.12 has it (a C module
// there): create and pack.
var tableFuncs = map[string]lua.LGFunction{
	"create": tableCreate,
	"pack":   tablePack,
}

// tableCreate is create(narr, nrec): an empty table with room for narr
// array items and nrec other keys.
func tableCreate(L *lua.LState) int {
	narr, nrec := L.CheckInt(1), L.CheckInt(2)
	if narr < 0 {
		narr = 0
	}
	if nrec < 0 {
		nrec = 0
	}
	L.Push(L.CreateTable(narr, nrec))
	return 1
}

// tablePack is pack(...): the arguments as a list, with n their count
// (nils included).
func tablePack(L *lua.LState) int {
	n := L.GetTop()
	t := L.CreateTable(n, 1)
	for i := 1; i <= n; i++ {
		t.RawSetInt(i, L.Get(i))
	}
	t.RawSetString("n", lua.LNumber(n))
	L.Push(t)
	return 1
}
