package bridge

import "testing"

var filtersSnippets = map[string]string{
	"chain": `
local filters = require "util.filters"
local s = { id = "s1" }
local f = filters.initialize(s)
print(type(f), f == s.filter, type(s.filters), filters.initialize(s) == f)
print(s.filter("bytes/in", "x"))
local function tag(name) return function(data, sess) return data .. "+" .. name .. "@" .. sess.id end end
local a, b, c, d = tag("a"), tag("b"), tag("c"), tag("d")
filters.add_filter(s, "bytes/in", a)
filters.add_filter(s, "bytes/in", b, 10)
filters.add_filter(s, "bytes/in", c, -1)
filters.add_filter(s, "bytes/in", d)
filters.add_filter(s, "bytes/in", a, 99)
print(s.filter("bytes/in", "x"), s.filters["bytes/in"][b], s.filters["bytes/in"][a])
print(filters.remove_filter(s, "bytes/in", b), filters.remove_filter(s, "bytes/in", b), filters.remove_filter(s, "none", a))
print(s.filter("bytes/in", "y"), s.filter("bytes/out", "y"))
filters.add_filter(s, "bytes/in", function() return nil end, 5)
print(s.filter("bytes/in", "z"))
local plain = {}
print(filters.remove_filter(plain, "t", a), plain.filters)
filters.add_filter(plain, "t", a)
plain.id = "p"
print(plain.filter("t", "w"), #plain.filters.t)
`,
	"hooks": `
local filters = require "util.filters"
local seen = {}
local function hook(session) seen[#seen + 1] = session.id; filters.add_filter(session, "t", function(d) return d .. "!" end) end
filters.add_filter_hook(hook)
local s1, s2 = { id = "one" }, { id = "two" }
filters.initialize(s1)
filters.add_filter(s2, "t", function(d) return d .. "?" end)
print(table.concat(seen, " "), s1.filter("t", "a"), s2.filter("t", "b"))
filters.remove_filter_hook(hook)
local s3 = { id = "three" }
filters.initialize(s3)
print(table.concat(seen, " "), s3.filter("t", "c"))
`,
}

func TestUtilFiltersSameAsProsody(t *testing.T) {
	sameAsProsody(t, filtersSnippets, map[string]string{
		"hooks": "one two\ta!\tb!?\none two\tc\n",
	})
}
