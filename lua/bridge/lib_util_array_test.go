package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// moonportPrints runs a Lua snippet as the body of a function in a module
// of a real bridge state and returns what it printed (print joined by
// tabs, lines ending in newlines, as lua5.4's print writes them).
func moonportPrints(t *testing.T, snippet string) string {
	t.Helper()
	inst := newTestRuntime(t, "", map[string]string{"snippet": `
local printed = {}
local function print(...)
	local parts = {}
	for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
	printed[#printed + 1] = table.concat(parts, "\t") .. "\n"
end
local function snippet()
` + snippet + `
end
function run() snippet(); return table.concat(printed) end
`}).load(t, "snippet")
	out, err := callGlobal(inst, "run")
	if err != nil {
		t.Fatalf("snippet failed in moonport: %v", err)
	}
	return out
}

// sameAsProsody runs each snippet in moonport and wants what want has for
// it (where it has one: the snippets of random sources have none), then
// in lua5.4 with Prosody's own library and wants the same printed lines.
// Without lua5.4 only the first part runs.
func sameAsProsody(t *testing.T, snippets map[string]string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for name, snippet := range snippets {
		got[name] = moonportPrints(t, snippet)
		if w, ok := want[name]; ok && got[name] != w {
			t.Errorf("%s: moonport printed\n%s\nwant\n%s", name, got[name], w)
		}
	}
	for name, snippet := range snippets {
		if ref := testenv.ProsodyLua(t, snippet); got[name] != ref {
			t.Errorf("%s: moonport printed\n%s\nProsody's library printed\n%s", name, got[name], ref)
		}
	}
}

var arraySnippets = map[string]string{
	"methods": `
local array = require "util.array"
local a = array { 3, 1, 2 }
print(tostring(a), a:length(), #a)
print(tostring(a:sort()), tostring(a:push(4)), a:pop(), tostring(a))
print(tostring(a:map(function(x) return x * 10 end)))
print(tostring(a:filter(function(x) return x ~= 20 end)), #a)
print(tostring(a:append({ 5, 6 })), tostring(a:reverse()), tostring(array { 1, 2, 3, 4 }:reverse()))
print(tostring(array { 1, 2, 3, 4, 5 }:slice(2, -2)), tostring(array { 1, 2, 3 }:slice(3, 1)))
print(tostring(array { "b", "a", "b", "c", "a" }:unique()), a:concat("+"), array():concat(","))
print(tostring(array { { n = 1 }, {}, { n = 3 } }:pluck("n", 0)))
`,
	"functions": `
local array = require "util.array"
local a = array { 5, 3, 4 }
local s = array.sort(a, function(x, y) return x > y end)
print(tostring(s), tostring(a), s == a, rawequal(s, a))
print(tostring(array.map(a, tostring)), tostring(array.filter(a, function(x) return x > 3 end)), tostring(a))
print(tostring(array.reverse(a)), tostring(array.slice(a, 2)), tostring(array.unique({ 1, 1, 2 })))
print(tostring(array.pluck({ { k = "x" }, { k = "y" } }, "k")), tostring(a))
`,
	"collect": `
local array = require "util.array"
local t = { x = 1, y = 2, z = 3 }
local ks = array.collect(pairs(t)):sort()
print(tostring(ks), getmetatable(ks) == getmetatable(array()))
print(tostring(array(ipairs({ "p", "q" }))), tostring(array(string.gmatch("a b c", "%a"))))
print(tostring(array { 1, 2 } + array { 3 }), array { 1, 2 } == array { 1, 2 }, array { 1 } == array { 2 })
print(array { 1 } == array { 1, 2 }, tostring(array { 1, 2, 3, 4 } / function(x) if x % 2 == 0 then return x * 2 end end))
`,
	"random": `
local array = require "util.array"
local a = array { "a", "b", "c", "d" }
local seen = {}
for _ = 1, 50 do seen[a:random()] = true end
local n = 0; for _ in pairs(seen) do n = n + 1 end
print(n > 1, a:random_other(2) ~= "b")
local s = array { 1, 2, 3, 4, 5, 6 }:shuffle()
print(#s, tostring(array.sort(s)))
`,
}

// util.array against Prosody's: every method in both forms (a:f() changes
// a, array.f(a) makes a new array), collect from iterators, the
// operators, and random/shuffle by their shape.
func TestUtilArray(t *testing.T) {
	sameAsProsody(t, arraySnippets, map[string]string{
		"methods": "{3, 1, 2}\t3\t3\n{1, 2, 3}\t{1, 2, 3, 4}\t4\t{1, 2, 3}\n{10, 20, 30}\n{10, 30}\t2\n" +
			"{10, 30, 5, 6}\t{6, 5, 30, 10}\t{4, 3, 2, 1}\n{2, 3, 4}\t{}\n{b, a, c}\t6+5+30+10\t\n{1, 0, 3}\n",
		"functions": "{5, 4, 3}\t{5, 3, 4}\tfalse\tfalse\n{5, 3, 4}\t{5, 4}\t{5, 3, 4}\n{4, 3, 5}\t{3, 4}\t{1, 2}\n{x, y}\t{5, 3, 4}\n",
		"collect":   "{x, y, z}\ttrue\n{1, 2}\t{a, b, c}\n{1, 2, 3}\ttrue\tfalse\nfalse\t{4, 8}\n",
		"random":    "true\ttrue\n6\t{1, 2, 3, 4, 5, 6}\n",
	})
}
