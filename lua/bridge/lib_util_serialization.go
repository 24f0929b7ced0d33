package bridge

import (
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// require "util.serialization": Prosody's Lua-syntax serializer, which
// modules use to dump values into the log (mod_net_dovecotauth) and store
// them. serialize(v, opt) and new(opt) take Prosody's presets ("oneline",
// "compact", "debug") and options (indentwith, itemstart, itemsep,
// itemlast, tstart, tend, kstart, kend, equals, unquoted, keywords,
// maxdepth, fatal, fallback, hex, freeze, multiref); deserialize(s) reads
// the text back in an empty environment. Not provided: table_iterator.

func init() { registerLibrary("util.serialization", funcsLibrary(serializationFuncs)) }

var serializationFuncs = map[string]lua.LGFunction{
	"new":         serNew,
	"serialize":   serSerialize,
	"deserialize": serDeserialize,
}

// serializer holds one set of options.
type serializer struct {
	L                                       *lua.LState
	indent, itemStart, itemSep, itemLast    string
	tStart, tEnd, kStart, kEnd, equals, hex string
	unquoted                                string // a Lua pattern; "" quotes every key
	keywords                                *lua.LTable
	maxDepth                                int
	fatal, freeze, multiref                 bool
	fallback                                lua.LValue // a Lua function(v, why), or nil
}

// luaKeywords are the default keywords, which are never left unquoted.
var luaKeywords = strings.Fields("and break do else elseif end false for function goto if in local nil not or repeat return then true until while")

func newSerializer(L *lua.LState, o lua.LValue) *serializer {
	opt, ok := o.(*lua.LTable)
	if !ok {
		opt = L.NewTable()
		opt.RawSetString("preset", o)
	}
	get := func(k, dflt string) string {
		if v, ok := opt.RawGetString(k).(lua.LString); ok {
			return string(v)
		}
		return dflt
	}
	s := &serializer{L: L, maxDepth: 127, fatal: opt.RawGetString("fatal") != lua.LFalse,
		freeze: opt.RawGetString("freeze") == lua.LTrue, multiref: lua.LVAsBool(opt.RawGetString("multiref")),
		fallback: opt.RawGetString("fallback"), hex: get("hex", "")}
	preset := get("preset", "")
	indent, start, last, equals, tend := "\t", "\n", ";\n", " = ", "}"
	switch preset {
	case "debug":
		s.freeze, s.fatal = true, false
		s.unquoted = "^[%a_][%w_]*$"
		fallthrough
	case "oneline":
		indent, start, last, tend = "", " ", "", " }"
	case "compact":
		indent, start, last, equals = "", "", "", "="
		s.unquoted = "^[%a_][%w_]*$"
	}
	switch u := opt.RawGetString("unquoted").(type) {
	case lua.LBool:
		if u {
			s.unquoted = "^[%a_][%w_]*$"
		}
	case lua.LString:
		s.unquoted = string(u)
	}
	s.indent, s.itemStart, s.itemSep, s.itemLast = get("indentwith", indent), get("itemstart", start), get("itemsep", ";"), get("itemlast", last)
	s.tStart, s.tEnd, s.kStart, s.kEnd, s.equals = get("tstart", "{"), get("tend", tend), get("kstart", "["), get("kend", "]"), get("equals", equals)
	if n, ok := opt.RawGetString("maxdepth").(lua.LNumber); ok {
		s.maxDepth = int(n)
	}
	if k, ok := opt.RawGetString("keywords").(*lua.LTable); ok {
		s.keywords = k
	} else {
		s.keywords = L.NewTable()
		for _, w := range luaKeywords {
			s.keywords.RawSetString(w, lua.LTrue)
		}
	}
	return s
}

// fail is what stands for a value that cannot be written: the fallback's
// text, an error (fatal), or a table naming the type and why.
func (s *serializer) fail(v lua.LValue, why string) string {
	if fn, ok := s.fallback.(*lua.LFunction); ok {
		s.L.Push(fn)
		s.L.Push(v)
		s.L.Push(lua.LString(why))
		s.L.Call(2, 1)
		out := s.L.Get(-1)
		s.L.Pop(1)
		return lua.LVAsString(out)
	}
	if s.fatal {
		msg := "Can't serialize " + v.Type().String()
		if why != "" {
			msg += ": " + why
		}
		s.L.RaiseError("%s", msg)
	}
	if why == "" {
		why = "fail"
	}
	return fmt.Sprintf("{__type=%s,__error=%s}", quoteString(v.Type().String()), quoteString(why))
}

// value writes one value into b; seen holds the tables being written.
func (s *serializer) value(b *strings.Builder, v lua.LValue, seen map[*lua.LTable]bool, depth int) {
	switch v := v.(type) {
	case *lua.LTable:
		s.table(b, v, seen, depth)
	case lua.LString:
		b.WriteString(s.str(string(v)))
	case lua.LNumber:
		b.WriteString(serNumber(float64(v)))
	case lua.LBool:
		b.WriteString(v.String())
	case *lua.LNilType:
		b.WriteString("nil")
	default:
		b.WriteString(s.fail(v, ""))
	}
}

// table writes t as a table constructor.
func (s *serializer) table(b *strings.Builder, t *lua.LTable, seen map[*lua.LTable]bool, depth int) {
	switch {
	case seen[t]:
		b.WriteString(s.fail(t, "table has multiple references"))
		return
	case depth > s.maxDepth:
		b.WriteString(s.fail(t, "max table depth reached"))
		return
	}
	seen[t] = true
	if s.freeze && s.frozen(b, &t) {
		return
	}
	b.WriteString(s.tStart)
	indent := strings.Repeat(s.indent, depth)
	numKey, items := 1, 0
	t.ForEach(func(k, v lua.LValue) {
		if items++; items > 1 {
			b.WriteString(s.itemSep) // the last item gets itemLast instead
		}
		b.WriteString(s.itemStart + indent)
		ks, isStr := k.(lua.LString)
		switch {
		case k == lua.LNumber(numKey):
			numKey++
		case isStr && s.unquoted != "" && s.keywords.RawGet(k) == lua.LNil && luaMatch(s.L, string(ks), s.unquoted):
			b.WriteString(string(ks) + s.equals)
		default:
			b.WriteString(s.kStart)
			s.value(b, k, seen, depth+1)
			b.WriteString(s.kEnd + s.equals)
		}
		s.value(b, v, seen, depth+1)
	})
	if items > 0 {
		b.WriteString(s.itemLast + strings.Repeat(s.indent, depth-1))
	}
	b.WriteString(s.tEnd)
	if s.multiref {
		delete(seen, t)
	}
}

// frozen applies a __freeze metamethod: true when it gave the text
// itself; else *t is what to write, after its __name.
func (s *serializer) frozen(b *strings.Builder, t **lua.LTable) bool {
	mt, ok := s.L.GetMetatable(*t).(*lua.LTable)
	if !ok {
		return false
	}
	fr, ok := mt.RawGetString("__freeze").(*lua.LFunction)
	if !ok {
		return false
	}
	s.L.Push(fr)
	s.L.Push(*t)
	s.L.Call(1, 1)
	out := s.L.Get(-1)
	s.L.Pop(1)
	switch out := out.(type) {
	case lua.LString:
		b.WriteString(string(out))
		return true
	case *lua.LTable:
		*t = out
	}
	if name, ok := mt.RawGetString("__name").(lua.LString); ok {
		b.WriteString(string(name))
	}
	return false
}

// luaMatch reports whether s matches the Lua pattern pat.
func luaMatch(L *lua.LState, s, pat string) bool {
	L.Push(L.GetField(L.GetGlobal("string"), "match"))
	L.Push(lua.LString(s))
	L.Push(lua.LString(pat))
	L.Call(2, 1)
	ok := L.Get(-1) != lua.LNil
	L.Pop(1)
	return ok
}

// str writes a string literal, or hex's form when that is shorter.
func (s *serializer) str(v string) string {
	q := quoteString(v)
	if s.hex != "" && len(q) > len(v)*2+2+len(s.hex) {
		return s.hex + `"` + fmt.Sprintf("%x", v) + `"`
	}
	return q
}

// quoteString is a Lua string literal with Prosody's escapes: the named
// ones, and \ddd for other control characters and bytes above 126.
func quoteString(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if e := strings.IndexByte("\a\b\f\n\r\t\v\\\"'", c); e >= 0 {
			b.WriteString(`\` + string("abfnrtv\\\"'"[e]))
		} else if c < 32 || c >= 127 {
			fmt.Fprintf(&b, "\\%03d", c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// serNumber writes a number as Prosody does under Lua 5.1: an integer in
// the exact range as one, infinities and NaN as expressions.
func serNumber(n float64) string {
	switch {
	case math.IsInf(n, 1):
		return "(1/0)"
	case math.IsInf(n, -1):
		return "(-1/0)"
	case n != n:
		return "(0/0)"
	case n == math.Trunc(n) && math.Abs(n) <= 9007199254740992:
		return fmt.Sprintf("%d", int64(n))
	}
	return fmt.Sprintf("%.18g", n)
}

// serialize runs s on the value at index 1.
func (s *serializer) run(L *lua.LState) int {
	var b strings.Builder
	s.value(&b, L.Get(1), map[*lua.LTable]bool{}, 1)
	L.Push(lua.LString(b.String()))
	return 1
}

// serNew is new(opt): a function serializing with those options.
func serNew(L *lua.LState) int {
	s := newSerializer(L, L.Get(1))
	L.Push(L.NewFunction(func(L *lua.LState) int { s.L = L; return s.run(L) }))
	return 1
}

// serSerialize is serialize(v, opt).
func serSerialize(L *lua.LState) int {
	s := newSerializer(L, L.Get(2))
	return s.run(L)
}

// serDeserialize is deserialize(s): the value, or nil and the error. The
// text runs with an empty environment.
func serDeserialize(L *lua.LState) int {
	src, ok := L.Get(1).(lua.LString)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	fn, err := L.Load(strings.NewReader("return "+string(src)), "=serialized data")
	if err != nil {
		return pushFail(L, err.Error())
	}
	fn.Env = L.NewTable()
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}); err != nil {
		return pushFail(L, err.Error())
	}
	return 1
}
