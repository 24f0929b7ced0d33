package bridge

import (
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.human.io", funcsLibrary(humanIOFuncs)) }

// humanIOFuncs is require "util.human.io" without its terminal prompts
// (getchar, getline, getpass, show_yesno, read_password, show_prompt are
// prosodyctl's; a module has no terminal): text padding and the table
// formatter mod_admin_shell prints with. Widths count characters (UTF-8).
var humanIOFuncs = map[string]lua.LGFunction{
	"printf":   humanPrintf,
	"padleft":  func(L *lua.LState) int { return pushHumanText(L, humanPad(L.CheckString(1), L.CheckInt(2), true)) },
	"padright": func(L *lua.LState) int { return pushHumanText(L, humanPad(L.CheckString(1), L.CheckInt(2), false)) },
	"ellipsis": func(L *lua.LState) int { return pushHumanText(L, humanEllipsis(L.CheckString(1), L.CheckInt(2))) },
	"table":    humanTable,
}

func pushHumanText(L *lua.LState, s string) int {
	L.Push(lua.LString(s))
	return 1
}

// humanPrintf is printf(fmt, ...): print(fmt:format(...)).
func humanPrintf(L *lua.LState) int {
	args := make([]lua.LValue, L.GetTop())
	for i := range args {
		args[i] = L.Get(i + 1)
	}
	format := L.GetField(L.GetGlobal("string"), "format")
	L.CallByParam(lua.P{Fn: format, NRet: 1}, args...)
	line := L.Get(-1)
	L.Pop(1)
	L.CallByParam(lua.P{Fn: L.GetGlobal("print")}, line)
	return 0
}

// humanPad pads s with spaces to width characters, on the left when left.
func humanPad(s string, width int, left bool) string {
	pad := strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
	if left {
		return pad + s
	}
	return s + pad
}

// humanEllipsis cuts s to width characters, the last one "…", when it is
// longer.
func humanEllipsis(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	cut, n := 0, 0
	for i := range s {
		if n == width-1 {
			cut = i
			break
		}
		n++
	}
	return s[:cut] + "…"
}

// humanColumn is one column of a table formatter.
type humanColumn struct {
	spec  *lua.LTable
	width int
}

// humanTable is table(columns, max_width): a function that formats a row
// (a table read by each column's key, through its mapper(value, row))
// into one line, or the titles when called without a row. Columns have
// title, key, width (characters, at least the title's length + 1, or
// "N%" of what the fixed ones leave of max_width), align ("right") and
// default. max_width defaults to $COLUMNS, then 80.
func humanTable(L *lua.LState) int {
	specs := L.CheckTable(1)
	maxWidth := L.OptInt(2, 0)
	if L.Get(2) == lua.LNil {
		maxWidth = 80
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil {
			maxWidth = n
		}
	}
	const sep = " | "
	cols := make([]humanColumn, specs.Len())
	free := maxWidth - len(sep)*(len(cols)-1)
	for i := range cols {
		spec, _ := specs.RawGetInt(i + 1).(*lua.LTable)
		if spec == nil {
			L.ArgError(1, "columns must be tables")
		}
		cols[i].spec = spec
		if humanPercent(spec.RawGetString("width")) {
			cols[i].width = -1
			continue
		}
		w, _ := tonumberOf(spec.RawGetString("width"))
		if title, ok := spec.RawGetString("title").(lua.LString); ok {
			w = math.Max(w, float64(len(title)+1))
		}
		cols[i].width = int(w)
		free -= cols[i].width
		if i > 0 {
			free -= len(sep)
		}
	}
	for i := range cols {
		if cols[i].width < 0 {
			pc, _ := tonumberOf(lua.LString(strings.TrimSuffix(lua.LVAsString(cols[i].spec.RawGetString("width")), "%")))
			cols[i].width = int(math.Floor(float64(free) * (pc / 100)))
		}
	}
	L.Push(L.NewFunction(func(L *lua.LState) int { return humanRow(L, cols, sep) }))
	return 1
}

func humanPercent(v lua.LValue) bool {
	s, ok := v.(lua.LString)
	return ok && strings.HasSuffix(string(s), "%")
}

// humanRow formats the row argument (the titles without one).
func humanRow(L *lua.LState, cols []humanColumn, sep string) int {
	row, isRow := L.Get(1).(*lua.LTable)
	titles := !isRow
	out := make([]string, len(cols))
	for i, c := range cols {
		var v lua.LValue
		if titles {
			v = c.spec.RawGetString("title")
			if v == lua.LNil {
				v = lua.LString("")
			}
		} else {
			v = L.GetTable(row, c.spec.RawGetString("key"))
			if mapper := c.spec.RawGetString("mapper"); mapper != lua.LNil {
				L.Push(mapper)
				L.Push(v)
				L.Push(row)
				L.Call(2, 1)
				v = L.Get(-1)
				L.Pop(1)
			}
		}
		text := lua.LVAsString(c.spec.RawGetString("default"))
		if v != lua.LNil {
			text = L.ToStringMeta(v).String()
		}
		switch n := utf8.RuneCountInString(text); {
		case n < c.width:
			text = humanPad(text, c.width, lua.LVAsString(c.spec.RawGetString("align")) == "right")
		case n > c.width:
			text = humanEllipsis(text, c.width)
		}
		out[i] = text
	}
	L.Push(lua.LString(strings.Join(out, sep)))
	return 1
}
