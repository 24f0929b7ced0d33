package bridge

import (
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// guardLibraries adjusts the standard libraries of a new state:
//   - os.exit is refused: a module must not end the host (it used to,
//     without a line in the log);
//   - the builtins that make a big value in one call check the size
//     against lua_memory_limit before they allocate, and string.gsub runs
//     in linear time (gopher-lua's copies the whole string per match, so a
//     large subject froze the state beyond lua_timeout's reach).
func (inst *Instance) guardLibraries() {
	L := inst.L
	osLib := L.GetGlobal("os").(*lua.LTable)
	osLib.RawSetString("exit", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("os.exit is refused: a module cannot end moonport (the console's server:shutdown() stops it cleanly)")
		return 0
	}))
	str := L.GetGlobal("string").(*lua.LTable)
	rep := str.RawGetString("rep").(*lua.LFunction).GFunction
	str.RawSetString("rep", L.NewFunction(func(L *lua.LState) int {
		n := float64(L.CheckNumber(2))
		inst.checkSize(L, "string.rep", float64(len(L.CheckString(1)))*n)
		return rep(L)
	}))
	format := str.RawGetString("format").(*lua.LFunction).GFunction
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		inst.checkSize(L, "string.format", formatBound(L))
		return format(L)
	}))
	str.RawSetString("gsub", L.NewFunction(inst.gsub))
	fixGmatch(L)
	tab := L.GetGlobal("table").(*lua.LTable)
	concat := tab.RawGetString("concat").(*lua.LFunction).GFunction
	tab.RawSetString("concat", L.NewFunction(func(L *lua.LState) int {
		inst.checkSize(L, "table.concat", inst.concatBound(L))
		return concat(L)
	}))
}

// checkSize raises an error naming the module's line if a builtin is
// about to make a value of size bytes that alone passes lua_memory_limit.
func (inst *Instance) checkSize(L *lua.LState, what string, size float64) {
	if limit := inst.rt.budget().Memory; limit > 0 && size > float64(limit) {
		L.RaiseError("%s: a result of %.0f bytes would pass lua_memory_limit (%s)", what, size, mib(limit))
	}
}

// concatBound is the size of table.concat(t, sep, i, j)'s result, counting
// numbers at their longest.
func (inst *Instance) concatBound(L *lua.LState) float64 {
	if inst.rt.budget().Memory <= 0 {
		return 0
	}
	t := L.CheckTable(1)
	sep := float64(len(L.OptString(2, "")))
	n := t.Len()
	i, j := max(L.OptInt(3, 1), 1), min(L.OptInt(4, n), n)
	total := 0.0
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			total += float64(len(v))
		case lua.LNumber:
			total += 24
		}
		if k < j {
			total += sep
		}
	}
	return total
}

// formatBound is the most string.format can make of its arguments. As in
// Lua 5.1, a width or precision has at most two digits (Go's fmt would
// pad to any width asked for).
func formatBound(L *lua.LState) float64 {
	f := L.CheckString(1)
	total := float64(len(f))
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		digits := 0
		for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.') {
			if f[i] == '.' {
				digits = 0
			} else if digits++; digits > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			i++
		}
		total += 2 * 99
	}
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			total += float64(len(s))
		} else {
			total += 32
		}
	}
	return total
}

// gsubChunk is how many matches gsub asks the pattern matcher for at a
// time: all at once would hold one record per match of a large subject.
const gsubChunk = 256

// gsub is string.gsub(s, pattern, repl [, n]) with Lua 5.1's semantics,
// built in linear time and checked against lua_memory_limit as it grows.
func (inst *Instance) gsub(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.Get(3)
	most := -1 // no limit; as in Lua 5.1, a limit below 1 replaces nothing
	if L.Get(4) != lua.LNil {
		most = max(0, L.CheckInt(4))
	}
	limit := inst.rt.budget().Memory
	raw := unsafe.Slice(unsafe.StringData(src), len(src)) // read only
	var b strings.Builder
	n, last := 0, 0
	for offset := 0; offset <= len(src) && n != most; {
		want := gsubChunk
		if most >= 0 {
			want = min(want, most-n)
		}
		mds, err := pm.Find(pat, raw, offset, want)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		for _, m := range mds {
			start, end := m.Capture(0), m.Capture(1)
			b.WriteString(src[last:start])
			if !gsubReplace(L, &b, src, m, repl) {
				b.WriteString(src[start:end])
			}
			last = end
			n++
			if limit > 0 && int64(b.Len()+len(src)-last) > limit {
				L.RaiseError("string.gsub: the result would pass lua_memory_limit (%s)", mib(limit))
			}
		}
		if len(mds) < want {
			break
		}
		m := mds[len(mds)-1]
		offset = max(m.Capture(0)+1, m.Capture(1))
	}
	b.WriteString(src[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// gsubReplace writes the replacement of match m; false keeps the match.
func gsubReplace(L *lua.LState, b *strings.Builder, src string, m *pm.MatchData, repl lua.LValue) bool {
	switch r := repl.(type) {
	case lua.LString:
		s := string(r)
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '%' || i == len(s)-1 {
				b.WriteByte(c)
				continue
			}
			i++
			if d := s[i]; d >= '0' && d <= '9' {
				b.WriteString(lua.LVAsString(capture(L, src, m, int(d-'0'))))
			} else {
				b.WriteByte(d)
			}
		}
		return true
	case *lua.LTable:
		return gsubValue(L, b, L.GetTable(r, capture(L, src, m, 1)))
	case *lua.LFunction:
		L.Push(r)
		nargs := max(1, m.CaptureLength()/2-1)
		for i := 1; i <= nargs; i++ {
			L.Push(capture(L, src, m, i))
		}
		L.Call(nargs, 1)
		v := L.Get(-1)
		L.Pop(1)
		return gsubValue(L, b, v)
	}
	return false
}

// gsubValue writes a table's or function's replacement value.
func gsubValue(L *lua.LState, b *strings.Builder, v lua.LValue) bool {
	switch x := v.(type) {
	case lua.LString:
		b.WriteString(string(x))
	case lua.LNumber:
		b.WriteString(x.String())
	default:
		if lua.LVIsFalse(v) {
			return false
		}
		L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	}
	return true
}

// capture is capture i of a match (0 the whole match; 1 the whole match
// too when the pattern has no captures); a position capture is a number.
func capture(L *lua.LState, src string, m *pm.MatchData, i int) lua.LValue {
	if i == 0 || (i == 1 && m.CaptureLength() == 2) {
		return lua.LString(src[m.Capture(0):m.Capture(1)])
	}
	idx := 2 * i
	if idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(src[m.Capture(idx):m.Capture(idx+1)])
}
