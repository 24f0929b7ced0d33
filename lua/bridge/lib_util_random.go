package bridge

import (
	"crypto/rand"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.random", randomLibrary) }

// randomLibrary is require "util.random": bytes(n), n bytes from the
// system's secure random source, and _source naming it as Prosody does.
func randomLibrary(inst *Instance) lua.LValue {
	t := funcsLibrary(map[string]lua.LGFunction{"bytes": randomBytes})(inst).(*lua.LTable)
	t.RawSetString("_source", lua.LString("crypto/rand"))
	return t
}

// maxRandomBytes bounds one bytes call, so a wild n fails instead of
// taking the process's memory.
const maxRandomBytes = 1 << 24

func randomBytes(L *lua.LState) int {
	n := L.CheckInt(1)
	if n < 0 || n > maxRandomBytes {
		L.ArgError(1, "byte count out of range")
	}
	L.Push(lua.LString(randomString(n)))
	return 1
}

// randomString is n secure random bytes.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("bridge: crypto/rand: " + err.Error()) // rand.Read does not fail on Linux
	}
	return string(b)
}
