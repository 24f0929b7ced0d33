package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// jidPrepParts prepares each part of a split JID by its stringprep
// profile (host Nameprep, node Nodeprep, resource Resourceprep; strict
// refuses unassigned code points), a trailing root dot taken off the host
// first; false when any part fails.
func jidPrepParts(p jidParts, strict bool) (jidParts, bool) {
	var ok bool
	p.host = strings.TrimSuffix(p.host, ".")
	if p.host, ok = prepNameprep.prepare(p.host, strict); !ok {
		return jidParts{}, false
	}
	if p.hasNode {
		if p.node, ok = prepNodeprep.prepare(p.node, strict); !ok {
			return jidParts{}, false
		}
	}
	if p.hasRes {
		if p.res, ok = prepResourceprep.prepare(p.res, strict); !ok {
			return jidParts{}, false
		}
	}
	return p, true
}

// jidPreppedSplit is prepped_split(jid [, strict]) on the Lua arguments;
// false when jid is nil, does not split, is the bare root "." or a part
// fails to prepare. strict, read only once there is a host to prepare (as
// Prosody passes it on to nameprep), must be a boolean when given.
func jidPreppedSplit(L *lua.LState) (jidParts, bool) {
	s, ok := jidArg(L, 1)
	if !ok {
		return jidParts{}, false
	}
	p, ok := jidSplit(s)
	if !ok || p.host == "." {
		return jidParts{}, false
	}
	strict := false
	if L.Get(2) != lua.LNil {
		strict = L.CheckBool(2)
	}
	return jidPrepParts(p, strict)
}

func jidPreppedSplitL(L *lua.LState) int {
	p, ok := jidPreppedSplit(L)
	if !ok {
		return 0
	}
	L.Push(jidOpt(p.node, p.hasNode))
	L.Push(lua.LString(p.host))
	L.Push(jidOpt(p.res, p.hasRes))
	return 3
}

func jidPrepL(L *lua.LState) int {
	p, ok := jidPreppedSplit(L)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(jidJoin(p)))
	return 1
}

// jidEscapes are XEP-0106's escapes, as Prosody has them.
var jidEscapes = map[byte]string{
	' ': `\20`, '"': `\22`, '&': `\26`, '\'': `\27`, '/': `\2f`,
	':': `\3a`, '<': `\3c`, '>': `\3e`, '@': `\40`, '\\': `\5c`,
}

// jidEscapeCode is the character s[i:i+3] is the escape of, if it is one.
func jidEscapeCode(s string, i int) (byte, bool) {
	if i+3 > len(s) || s[i] != '\\' {
		return 0, false
	}
	for c, e := range jidEscapes {
		if s[i:i+3] == e {
			return c, true
		}
	}
	return 0, false
}

// jidEscape escapes the characters a node may not hold; a backslash is
// escaped only where it starts what would read as an escape.
func jidEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if _, ok := jidEscapeCode(s, i); ok {
			b.WriteString(`\5c`)
			b.WriteString(s[i+1 : i+3])
			i += 2
			continue
		}
		if e, ok := jidEscapes[s[i]]; ok && s[i] != '\\' {
			b.WriteString(e)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func jidUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c, ok := jidEscapeCode(s, i); ok {
			b.WriteByte(c)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// jidStringOp applies f to a string argument; nil and false pass through.
func jidStringOp(f func(string) string) lua.LGFunction {
	return func(L *lua.LState) int {
		v := L.Get(1)
		if !lua.LVAsBool(v) {
			L.Push(v)
			return 1
		}
		L.Push(lua.LString(f(L.CheckString(1))))
		return 1
	}
}

var (
	jidEscapeL   = jidStringOp(jidEscape)
	jidUnescapeL = jidStringOp(jidUnescape)
)
