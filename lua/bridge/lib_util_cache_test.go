package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// cacheDump is Lua that defines dump(c): the entries most recent first.
const cacheDump = `local cache = require "util.cache"
local function dump(c)
	local out = {}
	for k, v in c:items() do out[#out + 1] = tostring(k) .. "=" .. tostring(v) end
	local vs = {}
	for v in c:values() do vs[#vs + 1] = tostring(v) end
	local hk, hv = c:head()
	local tk, tv = c:tail()
	return table.concat(out, ",") .. " [" .. table.concat(vs, ",") .. "] n=" .. c:count() ..
		" head=" .. tostring(hk) .. ":" .. tostring(hv) .. " tail=" .. tostring(tk) .. ":" .. tostring(tv) .. " size=" .. c.size
end
-- the message of a failed pcall without the position Prosody's assert adds
local function fails(...) local ok, err = pcall(...); return tostring(ok) .. " " .. (tostring(err):gsub("^.-:%d+: ", "")) end
`

var cacheCases = []string{
	cacheDump + `local c = cache.new(3)
	local r = {}
	r[#r + 1] = dump(c)
	for i, k in ipairs({ "a", "b", "c", "d" }) do r[#r + 1] = tostring(c:set(k, i)) end
	r[#r + 1] = dump(c)
	c:set("b", 20)
	r[#r + 1] = dump(c)
	r[#r + 1] = tostring(c:get("b")) .. tostring(c:get("a")) .. tostring(c:get("c"))
	r[#r + 1] = dump(c)
	r[#r + 1] = tostring(c:set("c", nil)) .. tostring(c:set("zz", nil))
	r[#r + 1] = dump(c)
	c:set(1, true); c:set(false, "f")
	r[#r + 1] = dump(c)
	return table.concat(r, "\n")`,
	// on_evict sees what goes and may refuse.
	cacheDump + `local seen = {}
	local c = cache.new(2, function(k, v) seen[#seen + 1] = k .. "=" .. v; if k == "keep" then return false end end)
	local r = {}
	c:set("x", "1"); c:set("keep", "2"); c:set("y", "3")
	r[#r + 1] = dump(c) .. " seen " .. table.concat(seen, ",")
	r[#r + 1] = tostring(c:set("z", "4")) .. " " .. dump(c) .. " seen " .. table.concat(seen, ",")
	r[#r + 1] = tostring(c:set("y", "5")) .. " " .. dump(c)
	return table.concat(r, "\n")`,
	cacheDump + `local c = cache.new(2, false)
	return tostring(c:set("a", 1)) .. tostring(c:set("b", 2)) .. tostring(c:set("c", 3)) .. tostring(c:set("a", 9)) .. " " .. dump(c)`,
	// resize down evicts the oldest; a refusal keeps the size.
	cacheDump + `local c = cache.new(5)
	for i = 1, 5 do c:set(i, i * i) end
	local r = { tostring(c:resize(2)) .. " " .. dump(c) }
	r[#r + 1] = tostring(c:resize(4)) .. " " .. dump(c)
	local d = cache.new(3, function(k) return k ~= 2 end)
	for i = 1, 3 do d:set(i, i) end
	r[#r + 1] = tostring(d:resize(1)) .. " " .. dump(d)
	r[#r + 1] = fails(c.resize, c, 0) .. " " .. fails(c.resize, c, "x")
	r[#r + 1] = tostring(c:resize("3.9")) .. " " .. dump(c)
	return table.concat(r, "\n")`,
	cacheDump + `local r = {}
	r[#r + 1] = fails(cache.new, "x")
	r[#r + 1] = fails(cache.new, 0)
	r[#r + 1] = fails(cache.new, 0.5)
	r[#r + 1] = fails(cache.new)
	r[#r + 1] = cache.new("3").size .. " " .. cache.new(2.7).size .. " " .. cache.new(" 0x10 ").size
	return table.concat(r, "\n")`,
	// The table view reads and writes through the cache.
	cacheDump + `local c = cache.new(2, false)
	local t = c:table()
	t.a = 1; t.b = 2
	local ok, err = pcall(function() t.c = 3 end)
	t.a = nil
	t.d = 4
	return tostring(t.a) .. tostring(t.b) .. tostring(t.d) .. " " .. tostring(ok) .. " " ..
		tostring(err:match("failed to insert key into cache %- full") ~= nil) .. " " .. tostring(c:table() == t) .. " " .. dump(c)`,
	cacheDump + `local c = cache.new(4)
	for i = 1, 4 do c:set("k" .. i, i) end
	c:clear()
	local before = dump(c)
	c:set("n", 1)
	return before .. " / " .. dump(c)`,
	// pairs and # of the table view are the cache's (its __pairs and
	// __len, which the gopher-lua fork honours as Lua 5.2+ does).
	`local c = require "util.cache".new(3); c:set("a", 1); c:set("b", 2); local t = c:table()
	local ks = {}; for k, v in pairs(t) do ks[#ks + 1] = k .. v end
	return table.concat(ks, ",") .. " " .. #t`,
	// Removing entries while iterating goes on from where it stands.
	cacheDump + `local c = cache.new(5)
	for i = 1, 5 do c:set(i, i) end
	local got = {}
	for k in c:items() do got[#got + 1] = k; c:set(k, nil); c:set(k - 1, nil) end
	return table.concat(got, ",") .. " " .. dump(c)`,
}

// util.cache against Prosody's own.
func TestUtilCacheProsody(t *testing.T) {
	expectCases(t, cacheCases, testenv.ProsodyLuaCases(t, cacheCases...))
}

// Known answers, where Prosody is not installed.
func TestUtilCache(t *testing.T) {
	expectCases(t, []string{
		cacheDump + `local c = cache.new(2); c:set("a", 1); c:set("b", 2); c:set("a", 3); c:set("c", 4); return dump(c)`,
		cacheDump + `local ev; local c = cache.new(1, function(k, v) ev = k .. v end); c:set("a", 1); c:set("b", 2); return ev .. " " .. dump(c)`,
		`local c = require "util.cache".new(1, false); c:set("a", 1); return tostring(c:set("b", 2)) .. tostring(c:get("b"))`,
	}, []string{
		"c=4,a=3 [4,3] n=2 head=c:4 tail=a:3 size=2",
		"a1 b=2 [2] n=1 head=b:2 tail=b:2 size=1",
		"falsenil",
	})
}
