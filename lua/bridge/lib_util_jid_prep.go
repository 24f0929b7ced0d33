package bridge

import (
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// Stringprep, approximated. Prosody runs the JID parts through libidn's
// nodeprep, nameprep and resourceprep; here they are:
//   - nameprep: lower-cased (Unicode simple case mapping, ß to ss);
//   - nodeprep: lower-cased the same way, refused when it holds a space,
//     " & ' / : < > @ or an ASCII control character;
//   - resourceprep: unchanged, refused when it holds an ASCII control
//     character.
// All three refuse invalid UTF-8 and more than 1023 bytes. Not done: NFKC
// normalisation, the full case folding table, the non-ASCII prohibited
// and unassigned code points (strict), and the bidi rules.

const jidPartMax = 1023

func jidPrepValid(s string) bool { return len(s) <= jidPartMax && utf8.ValidString(s) }

func jidIsControl(r rune) bool { return r < 0x20 || r == 0x7f }

func jidFold(s string) string { return strings.ReplaceAll(strings.ToLower(s), "ß", "ss") }

func jidNameprep(s string) (string, bool) {
	if !jidPrepValid(s) {
		return "", false
	}
	return jidFold(s), true
}

func jidNodeprep(s string) (string, bool) {
	if !jidPrepValid(s) || strings.ContainsAny(s, " \"&'/:<>@") || strings.IndexFunc(s, jidIsControl) >= 0 {
		return "", false
	}
	return jidFold(s), true
}

func jidResourceprep(s string) (string, bool) {
	if !jidPrepValid(s) || strings.IndexFunc(s, jidIsControl) >= 0 {
		return "", false
	}
	return s, true
}

// jidPreppedSplit is prepped_split: the split with each part prepared, a
// trailing root dot taken off the host; false when any part fails.
func jidPreppedSplit(s string) (jidParts, bool) {
	p, ok := jidSplit(s)
	if !ok || p.host == "." {
		return jidParts{}, false
	}
	p.host = strings.TrimSuffix(p.host, ".")
	if p.host, ok = jidNameprep(p.host); !ok {
		return jidParts{}, false
	}
	if p.hasNode {
		if p.node, ok = jidNodeprep(p.node); !ok {
			return jidParts{}, false
		}
	}
	if p.hasRes {
		if p.res, ok = jidResourceprep(p.res); !ok {
			return jidParts{}, false
		}
	}
	return p, true
}

func jidPreppedSplitL(L *lua.LState) int {
	s, ok := jidArg(L, 1)
	if !ok {
		return 0
	}
	p, ok := jidPreppedSplit(s)
	if !ok {
		return 0
	}
	L.Push(jidOpt(p.node, p.hasNode))
	L.Push(lua.LString(p.host))
	L.Push(jidOpt(p.res, p.hasRes))
	return 3
}

func jidPrepL(L *lua.LState) int {
	s, ok := jidArg(L, 1)
	p, valid := jidPreppedSplit(s)
	if !ok || !valid {
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
