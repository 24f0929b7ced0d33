package bridge

import "testing"

var interpolationSnippets = map[string]string{
	"values": `
local function esc(s) return (s:gsub("[<>&]", { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;" })) end
local render = require "util.interpolation".new("%b{}", esc)
local v = { name = "<b>", n = 42, t = true, f = false, user = { jid = "a@b", deep = { x = "y" } }, ["a.b"] = "flat" }
print(render("hi {name} and {name!}, {n} {t} {f} [{missing}]", v))
print(render("{user.jid} {user.deep.x} {user.none} {user.deep.x.z} {a.b} {none.x}", v))
print(render("{missing?default <x>} {name?unused} {f?was {n}} {n?}", v))
print(render("{t&yes {name}} [{f&no}] [{missing&no}] {missing~absent} [{n~present}]", v))
print(render("{ not a name } {} {1x} {name", v))
print(render("{list# {idx}={item};}|{map%{idx}:{item.v}}|{n#x}|{name} {list#{name}}", {
	list = { "a", "<b>", "c" }, map = { only = { v = 1 } }, n = 3, name = "N" }))
`,
	"funcs": `
local render = require "util.interpolation".new("%b{}", function(s) return "'" .. s .. "'" end, {
	upper = string.upper, len = function(s) return #s end, none = function() return nil end,
})
local v = { s = "abc", t = { "x" } }
print(render("{s|upper} {s|len} {s|upper|len} {s|nofunc} {missing|upper} {s|upper!} {s|none?gone}", v))
print(render("{s|upper&has {s}} {missing|upper~nothing}", v))
local plain = require "util.interpolation".new("%b[]", function(s) return s .. "." end)
print(plain("[s|upper] [s] {s} [t#[item]]", v))
`,
}

func TestUtilInterpolationSameAsProsody(t *testing.T) {
	sameAsProsody(t, interpolationSnippets, map[string]string{
		"funcs": "'ABC' '3' '3' 'abc' {missing|upper} ABC gone\nhas 'abc' nothing\nabc. abc. {s} x.\n",
	})
}
