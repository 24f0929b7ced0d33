package bridge

import (
	"encoding/hex"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.hex", funcsLibrary(hexFuncs)) }

// hexFuncs is require "util.hex": to/encode and from/decode, as Prosody's.
var hexFuncs = map[string]lua.LGFunction{
	"to":     hexTo,
	"encode": hexTo,
	"from":   hexFrom,
	"decode": hexFrom,
}

// hexTo is to(s): s in lower-case hex.
func hexTo(L *lua.LState) int {
	L.Push(lua.LString(hex.EncodeToString([]byte(L.CheckString(1)))))
	return 1
}

// hexFrom is from(s): each pair of hex digits (either case) becomes its
// byte, and characters that are not hex digits around a pair are dropped;
// what is not part of a pair (a lone digit, other characters between
// digits) stays, lower-cased. This is what Prosody's gsub of
// "%X*(%x%x)%X*" over the lower-cased string gives.
func hexFrom(L *lua.LState) int {
	s := strings.ToLower(L.CheckString(1))
	var out strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && !isHexByte(s[j]) {
			j++
		}
		if j+1 < len(s) && isHexByte(s[j]) && isHexByte(s[j+1]) {
			b, _ := hex.DecodeString(s[j : j+2])
			out.Write(b)
			for j += 2; j < len(s) && !isHexByte(s[j]); j++ {
			}
			i = j
			continue
		}
		out.WriteByte(s[i])
		i++
	}
	L.Push(lua.LString(out.String()))
	return 1
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
