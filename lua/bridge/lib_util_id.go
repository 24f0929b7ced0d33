package bridge

import (
	"encoding/base64"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.id", funcsLibrary(idFuncs)) }

// idFuncs is require "util.id": random identifiers as Prosody's, n secure
// random bytes in unpadded URL-safe base64 — tiny (3 bytes, 4 characters),
// short (9, 12), medium (18, 24), long (27, 36), and custom(n), a function
// that makes ids of n bytes.
var idFuncs = map[string]lua.LGFunction{
	"tiny":   idOfSize(3),
	"short":  idOfSize(9),
	"medium": idOfSize(18),
	"long":   idOfSize(27),
	"custom": idCustom,
}

func idOfSize(n int) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(lua.LString(base64.RawURLEncoding.EncodeToString([]byte(randomString(n)))))
		return 1
	}
}

func idCustom(L *lua.LState) int {
	n := L.CheckInt(1)
	if n < 0 || n > maxRandomBytes {
		L.ArgError(1, "byte count out of range")
	}
	L.Push(L.NewFunction(idOfSize(n)))
	return 1
}
