package bridge

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.encodings", openEncodings) }

// openEncodings builds require "util.encodings": the base64, utf8,
// stringprep, idna and confusable tables of Prosody's (built with ICU).
func openEncodings(inst *Instance) lua.LValue {
	L := inst.L
	t := L.NewTable()
	t.RawSetString("base64", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode": base64Encode,
		"decode": base64Decode,
	}))
	t.RawSetString("utf8", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"valid":  utf8Valid,
		"length": utf8Length,
	}))
	t.RawSetString("stringprep", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"nameprep":     stringprepFunc(&prepNameprep),
		"nodeprep":     stringprepFunc(&prepNodeprep),
		"resourceprep": stringprepFunc(&prepResourceprep),
		"saslprep":     stringprepFunc(&prepSASLprep),
	}))
	t.RawSetString("idna", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"to_ascii":   idnaFunc(idnaToASCIIString),
		"to_unicode": idnaFunc(idnaToUnicodeString),
	}))
	t.RawSetString("confusable", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"skeleton": idnaFunc(confusableSkeleton),
	}))
	return t
}

// stringprepFunc is a profile's prep(s [, strict]): the prepared string,
// or nil when s cannot be prepared (see prepProfile.prepare). strict,
// when given, must be a boolean.
func stringprepFunc(p *prepProfile) lua.LGFunction {
	return func(L *lua.LState) int {
		s := L.CheckString(1)
		strict := false
		if L.Get(2) != lua.LNil {
			strict = L.CheckBool(2)
		}
		out, ok := p.prepare(s, strict)
		return pushPrepared(L, out, ok)
	}
}

// idnaFunc is a conversion of one string argument (idna's to_ascii and
// to_unicode, confusable's skeleton): the result or nil.
func idnaFunc(f func(string) (string, bool)) lua.LGFunction {
	return func(L *lua.LState) int {
		out, ok := f(L.CheckString(1))
		return pushPrepared(L, out, ok)
	}
}

// pushPrepared pushes s, or nil when not ok.
func pushPrepared(L *lua.LState, s string, ok bool) int {
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(s))
	return 1
}

// base64Encode is base64.encode(s): standard alphabet, padded.
func base64Encode(L *lua.LState) int {
	L.Push(lua.LString(base64.StdEncoding.EncodeToString([]byte(L.CheckString(1)))))
	return 1
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// base64Decode is base64.decode(s), as lenient as Prosody's: white space
// is skipped, "=" ends a group early (so concatenated encodings decode),
// an unfinished group without "=" is dropped and a NUL byte ends the input;
// any other character not in the alphabet returns nothing.
func base64Decode(L *lua.LState) int {
	s := L.CheckString(1)
	var out []byte
	var group [4]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 0:
			L.Push(lua.LString(out))
			return 1
		case '\n', '\r', '\t', ' ', '\f', '\b':
			continue
		case '=':
			if n > 1 {
				out = appendGroup(out, group, n-1)
			}
			n = 0
			continue
		}
		v := strings.IndexByte(base64Alphabet, c)
		if v < 0 {
			return 0
		}
		group[n] = byte(v)
		if n++; n == 4 {
			out = appendGroup(out, group, 3)
			n = 0
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// appendGroup appends the first n bytes a group of four sextets makes;
// sextets past those given are zero.
func appendGroup(out []byte, g [4]byte, n int) []byte {
	v := uint32(g[0])<<18 | uint32(g[1])<<12 | uint32(g[2])<<6 | uint32(g[3])
	b := [3]byte{byte(v >> 16), byte(v >> 8), byte(v)}
	return append(out, b[:n]...)
}

// utf8Valid is utf8.valid(s): whether s is well-formed UTF-8 (no
// surrogates, overlong forms or code points past U+10FFFF).
func utf8Valid(L *lua.LState) int {
	L.Push(lua.LBool(utf8.ValidString(L.CheckString(1))))
	return 1
}

// utf8Length is utf8.length(s) as Prosody 0.12 has it: the length of s in
// bytes (not characters) when it is valid UTF-8, else nil, nil.
func utf8Length(L *lua.LState) int {
	s := L.CheckString(1)
	if !utf8.ValidString(s) {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	L.Push(lua.LNumber(len(s)))
	return 1
}
