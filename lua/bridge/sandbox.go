package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// A check (moonport check config, Options.Sandbox) loads the modules as
// the server would, to see whether they load, but must change nothing:
// module:open_store keeps its data in memory (runtime.go), and what would
// write a file, run a program or leave a mark outside the process answers
// as a failed call does (nil and a message) instead of doing it, so a
// module that checks the result still loads. Outgoing connections are
// refused by the Runtime's dialer (dialer.go), and timers never fire
// (lib_util_timer.go).

// refusedInCheck is the message a refused call returns.
const refusedInCheck = "refused: moonport check changes nothing on disk"

// sandboxRefused are the functions of the libraries that write, by
// require name.
var sandboxRefused = map[string][]string{
	"lfs":              {"mkdir", "rmdir", "touch", "chdir"},
	"util.pposix":      {"mkdir", "umask"},
	"util.datamanager": {"store", "list_store", "list_append", "append_raw", "purge"},
	"moonport.files":   {"write"},
}

// refuse is a function that does nothing and fails.
func refuse(L *lua.LState) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(refusedInCheck))
	return 2
}

// sandboxLibrary replaces the writing functions of the library name.
func sandboxLibrary(L *lua.LState, name string, v lua.LValue) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return
	}
	for _, f := range sandboxRefused[name] {
		if t.RawGetString(f) != lua.LNil {
			t.RawSetString(f, L.NewFunction(refuse))
		}
	}
	// datamanager.getpath(user, host, store, ext, create) names the file
	// without making its folders.
	if get, ok := t.RawGetString("getpath").(*lua.LFunction); ok && name == "util.datamanager" {
		t.RawSetString("getpath", L.NewFunction(func(L *lua.LState) int {
			L.SetTop(4)
			L.Push(get)
			for i := 1; i <= 4; i++ {
				L.Push(L.Get(i))
			}
			L.Call(4, lua.MultRet)
			return L.GetTop() - 4
		}))
	}
}

// sandboxStandard makes Lua's own io and os libraries read-only: io.open
// opens for reading only, and io.output, io.popen, io.tmpfile, os.remove,
// os.rename, os.tmpname and os.execute fail.
func sandboxStandard(L *lua.LState) {
	if ioLib, ok := L.GetGlobal("io").(*lua.LTable); ok {
		open, _ := ioLib.RawGetString("open").(*lua.LFunction)
		ioLib.RawSetString("open", L.NewFunction(func(L *lua.LState) int {
			top := L.GetTop()
			mode := L.OptString(2, "r")
			if strings.ContainsAny(mode, "wa+") || open == nil {
				return refuse(L)
			}
			L.Push(open)
			L.Push(L.Get(1))
			L.Push(lua.LString(mode))
			L.Call(2, lua.MultRet)
			return L.GetTop() - top
		}))
		for _, f := range []string{"output", "popen", "tmpfile"} {
			ioLib.RawSetString(f, L.NewFunction(refuse))
		}
	}
	if osLib, ok := L.GetGlobal("os").(*lua.LTable); ok {
		for _, f := range []string{"remove", "rename", "tmpname", "execute"} {
			osLib.RawSetString(f, L.NewFunction(refuse))
		}
	}
}
