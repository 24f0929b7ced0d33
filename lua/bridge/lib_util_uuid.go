package bridge

import (
	"encoding/hex"
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.uuid", funcsLibrary(uuidFuncs)) }

// uuidFuncs is require "util.uuid": generate, a random (version 4) UUID
// as RFC 4122 writes it, and get_nibbles(n), n random hex digits.
var uuidFuncs = map[string]lua.LGFunction{
	"generate":    uuidGenerate,
	"get_nibbles": uuidGetNibbles,
}

func uuidGenerate(L *lua.LState) int {
	L.Push(lua.LString(newUUID()))
	return 1
}

// newUUID is a version 4 UUID: 122 random bits, the version nibble 4 and
// the variant bits 10.
func newUUID() string {
	b := []byte(randomString(16))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func uuidGetNibbles(L *lua.LState) int {
	n := L.CheckInt(1)
	if n < 0 || n > 2*maxRandomBytes {
		L.ArgError(1, "nibble count out of range")
	}
	L.Push(lua.LString(hex.EncodeToString([]byte(randomString((n + 1) / 2)))[:n]))
	return 1
}
