package lua

// moonport: next from a key not in the table raises Lua 5.1's "invalid
// key to 'next'" (see MOONPORT.md, "next from a missing key"), and pairs
// honours __pairs and # __len on tables, as Lua 5.2 to 5.4 do ("__pairs
// and __len").

import "testing"

// nextKeyCases: each show is what lua5.1 prints, the error's position
// (which gopher-lua adds to errors raised by Go functions, as for its
// argument errors) stripped.
const nextKeyCases = `
local function try(label, f, ...)
	local ok, a, b = pcall(f, ...)
	if not ok then a = tostring(a):gsub("^[^:]*:%d+: ", "") end
	show(label, ok, a, b)
end
local t = {a = 1, b = 2, c = 3}
try("missing string", next, t, "zz")
try("missing number", next, t, 1.5)
try("missing table", next, t, {})
try("missing bool", next, t, true)
try("present", next, {a = 1}, "a")
try("from nil", next, {a = 1})
try("empty from nil", next, {})
try("pairs' iterator", function() local f, s = pairs(t); return f(s, "nope") end)
try("for over next", function() for k in next, t, "nope" do end end)
local key = {}
local u = {[key] = 1, x = 2}
try("table key", function() local k = next(u, key); return type(k) end)
-- clearing during a traversal keeps the cleared keys valid for next
local c = {}
for i = 1, 40 do c["k" .. i] = i end
local n = 0
for k in pairs(c) do c[k] = nil; n = n + 1 end
show("cleared in traversal", n, next(c))
local arr = {1, 2, 3, x = 1}
local seen = 0
for k in pairs(arr) do arr[k] = nil; seen = seen + 1 end
show("array then hash cleared", seen, next(arr))
`

var nextKeyWant = []string{
	"missing string false invalid key to 'next' nil",
	"missing number false invalid key to 'next' nil",
	"missing table false invalid key to 'next' nil",
	"missing bool false invalid key to 'next' nil",
	"present true nil nil",
	"from nil true a 1",
	"empty from nil true nil nil",
	"pairs' iterator false invalid key to 'next' nil",
	"for over next false invalid key to 'next' nil",
	"table key true string nil",
	"cleared in traversal 40 nil",
	"array then hash cleared 4 nil",
}

// TestNextMissingKey fails on the fork before the change, whose next
// ended the traversal (nil) from a missing key, and on v1.1.2, which went
// on from the second key.
func TestNextMissingKey(t *testing.T) {
	checkShown(t, nextKeyCases, nextKeyWant)
	checkLua51(t, nextKeyCases, nextKeyWant, nil)
}

// A key pruned from the table (deleted, then dropped when new keys came:
// compactKeys) is missing too, as a dead key is after Lua's rehash.
func TestNextPrunedKey(t *testing.T) {
	checkShown(t, `
local t = {}
for i = 1, 40 do t["k" .. i] = i end
for i = 1, 40 do t["k" .. i] = nil end
for i = 1, 40 do t["n" .. i] = i end
local ok, err = pcall(next, t, "k1")
show(ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
`, []string{"false invalid key to 'next'"})
}

// metaIterCases: __pairs and __len on tables (and __pairs on a table's
// pairs given through its metatable's __index: not honoured, as in Lua).
const metaIterCases = `
local calls = 0
local inner = {10, 20, 30, x = "y"}
local p = setmetatable({}, {
	__pairs = function(self) calls = calls + 1; return next, inner, nil end,
	__len = function(self) return #inner end,
})
local ks = {}
for k, v in pairs(p) do ks[#ks + 1] = tostring(k) .. "=" .. tostring(v) end
show("pairs", table.concat(ks, " "), calls)
show("len", #p)
show("raw next", next(p))
local a, b, c, d = pairs(setmetatable({}, {__pairs = function(t) return 1, 2, 3, 4 end}))
show("three results", a, b, c, d)
show("self", select(2, pairs(setmetatable({}, {__pairs = function(t) return next, t end}))) ~= nil)
local plain = {1, 2}
local f, s, i = pairs(plain)
show("plain", type(f), s == plain, i)
show("len plain", #setmetatable({1, 2, 3}, {}))
show("len string", #setmetatable({1}, {__len = function() return "n" end}))
local ok, err = pcall(pairs, setmetatable({}, {__pairs = function() error("boom", 0) end}))
show("error", ok, err)
show("index not pairs", pcall(function()
	local n = 0
	for _ in pairs(setmetatable({}, {__index = {__pairs = 1}})) do n = n + 1 end
	return n
end))
`

var metaIterWant = []string{
	"pairs 1=10 2=20 3=30 x=y 1",
	"len 3",
	"raw next nil",
	"three results 1 2 3 nil",
	"self true",
	"plain function true nil",
	"len plain 3",
	"len string n",
	"error false boom",
	"index not pairs true 0",
}

// TestPairsLenMeta: what lua5.4 prints. pairs fails on v1.1.2 (it
// ignored __pairs); # already honoured __len on tables.
func TestPairsLenMeta(t *testing.T) {
	checkShown(t, metaIterCases, metaIterWant)
	checkLuaBinary(t, "lua5.4", metaIterCases, metaIterWant, nil)
}
