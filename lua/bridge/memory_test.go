package bridge

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// lua_memory_limit stops a callback that makes a huge value in one call
// or grows memory in a loop, naming the module line; the state serves on.
// lua_timeout is far off so that the memory budget, not time, stops each
// loop: growing to the limit takes seconds under -race on a loaded machine.
func TestMemoryLimit(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 600\nlua_memory_limit = 32 * 1024 * 1024\n", map[string]string{"mem": `
function rep() return #string.rep("x", 1e9) end
function concat()
	local t = {}
	local piece = string.rep("y", 1024 * 1024)
	for i = 1, 40 do t[i] = piece end
	return #table.concat(t, ",")
end
function format()
	local piece = string.rep("z", 20 * 1024 * 1024)
	return #string.format("%s%s", piece, piece)
end
function gsub()
	local s = string.rep("a", 1024 * 1024)
	return #s:gsub("a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
end
function gsub_table()
	local big = string.rep("c", 1024 * 1024)
	return #string.gsub(string.rep("a", 100), "a", { a = big })
end
big = {}
function grow()
	local i = 0
	while true do i = i + 1; big[i] = { i, i .. "" } end
end
function small()
	big = {}
	collectgarbage()
	local t = {}
	for i = 1, 1000 do t[i] = string.rep("s", 100) end
	return #table.concat(t) .. " " .. #string.rep("ok", 1000) .. " " .. #string.format("%5d", 42) .. " " .. #(("abc"):gsub("b", "%0%0"))
end
`})
	inst := tr.load(t, "mem")
	for fn, line := range map[string]string{"rep": ":2:", "concat": ":7:", "format": ":11:", "gsub": ":15:", "gsub_table": ":19:", "grow": ":24:"} {
		took, err := timed(t, 2*time.Minute, func() error { _, err := callGlobal(inst, fn); return err })
		t.Logf("%s stopped after %s", fn, took.Round(time.Millisecond))
		if err == nil || !strings.Contains(err.Error(), "mods/mod_mem.lua"+line) || !strings.Contains(err.Error(), "lua_memory_limit") {
			t.Errorf("%s: %v; want an error at mods/mod_mem.lua%s naming lua_memory_limit", fn, err, line)
		}
	}
	if out, err := callGlobal(inst, "small"); err != nil || out != "100000 2000 5 4" {
		t.Errorf("small values: %q %v", out, err)
	}
}

// The linear string.gsub answers as gopher-lua's own did (which copied
// the whole subject once per match), for every kind of replacement, but
// where gopher-lua's differs from Lua 5.1 (n = 0 replaced everything).
func TestGsubAnswersAsBefore(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"g": `function g(s, p, r, n) return (string.gsub(s, p, r, n)) .. "|" .. select(2, string.gsub(s, p, r, n)) end`})
	inst := tr.load(t, "g")
	plain := lua.NewState()
	defer plain.Close()
	if err := plain.DoString(`function g(s, p, r, n) return (string.gsub(s, p, r, n)) .. "|" .. select(2, string.gsub(s, p, r, n)) end`); err != nil {
		t.Fatal(err)
	}
	upper := func(L *lua.LState) int { L.Push(lua.LString(strings.ToUpper(L.CheckString(1)))); return 1 }
	cases := []struct {
		s, p  string
		r     any
		n     any
		lua51 string // Lua 5.1's answer where gopher-lua's differs
	}{
		{"hello world", "o", "0", nil, ""},
		{"hello world", "(o)", "[%1]", nil, ""},
		{"hello world", "o", "%0%0", 1, ""},
		{"abc", "", "-", nil, ""},
		{"abc", "x*", "-", nil, ""},
		{"abc", "^a", "A", nil, ""},
		{"aaa", "^a", "b", nil, ""},
		{"hello world", "%w+", "<%0>", 2, ""},
		{"hello world", "(%w+) (%w+)", "%2 %1", nil, ""},
		{"100% sure", "%%", "%%%%", nil, ""},
		{"abc", "b", "%%", nil, ""},
		{"key=val, k2=v2", "(%w+)=(%w+)", "%2=%1", nil, ""},
		{"abc", "()b", "%1", nil, ""},
		{"hello", "l", map[string]any{"l": "L"}, nil, ""},
		{"hello", "(h)(e)", map[string]any{"h": "H"}, nil, ""},
		{"hello", "x", map[string]any{}, nil, ""},
		{"hello world", "%w+", upper, nil, ""},
		{"hello world", "%w+", upper, 0, "hello world|0"},
		{"hello world", "%w+", upper, -1, "hello world|0"},
		{strings.Repeat("ab", 600), "a", "xy", nil, ""},
		{strings.Repeat("ab", 600), "a", "xy", 300, ""},
	}
	for _, c := range cases {
		var r lua.LValue
		rOf := func(L *lua.LState) lua.LValue {
			switch x := c.r.(type) {
			case string:
				return lua.LString(x)
			case map[string]any:
				t := L.NewTable()
				for k, v := range x {
					t.RawSetString(k, lua.LString(v.(string)))
				}
				return t
			default:
				return L.NewFunction(x.(func(*lua.LState) int))
			}
		}
		var n lua.LValue = lua.LNil
		if c.n != nil {
			n = lua.LNumber(c.n.(int))
		}
		if err := plain.CallByParam(lua.P{Fn: plain.GetGlobal("g"), NRet: 1, Protect: true}, lua.LString(c.s), lua.LString(c.p), rOf(plain), n); err != nil {
			t.Fatal(err)
		}
		want := plain.Get(-1).String()
		plain.Pop(1)
		if c.lua51 != "" {
			want = c.lua51
		}
		var got string
		var err error
		inst.call(func() {
			r = rOf(inst.L)
			var res []lua.LValue
			res, err = inst.protect("g", inst.L.GetGlobal("g"), 1, lua.LString(c.s), lua.LString(c.p), r, n)
			if err == nil {
				got = res[0].String()
			}
		})
		if err != nil || got != want {
			t.Errorf("gsub(%q, %q, %v, %v) = %q, %v; gopher-lua's gives %q", c.s, c.p, c.r, c.n, got, err, want)
		}
	}
}
