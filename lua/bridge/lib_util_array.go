package bridge

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// util.array is written in Lua (lib_util_array.lua): its API is metatables
// and methods called both as array.f(a) and a:f(), which is plainer in Lua
// than in Go.

//go:embed lib_util_array.lua
var utilArraySource string

func init() { registerLibrary("util.array", luaSourceLibrary("util.array", utilArraySource)) }

// luaSourceLibrary is the opener of a library written in Lua: the chunk is
// compiled once for the process and run once in each state that requires
// the name; what it returns is the library.
func luaSourceLibrary(name, source string) opener {
	var once sync.Once
	var proto *lua.FunctionProto
	return func(inst *Instance) lua.LValue {
		once.Do(func() { proto = compileLibrary(name, source) })
		L := inst.L
		L.Push(L.NewFunctionFromProto(proto))
		L.Call(0, 1)
		v := L.Get(-1)
		L.Pop(1)
		return v
	}
}

// compileLibrary compiles a built-in library's source; it fails only for a
// programming error, found by the library's tests.
func compileLibrary(name, source string) *lua.FunctionProto {
	chunk, err := parse.Parse(strings.NewReader(source), name)
	if err != nil {
		panic(fmt.Sprintf("bridge: library %s: %v", name, err))
	}
	proto, err := lua.Compile(chunk, "="+name)
	if err != nil {
		panic(fmt.Sprintf("bridge: library %s: %v", name, err))
	}
	return proto
}
