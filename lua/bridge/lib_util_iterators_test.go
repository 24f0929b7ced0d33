package bridge

import "testing"

var iteratorsSnippets = map[string]string{
	"tables": `
local it = require "util.iterators"
local t = { b = 2, a = 1, c = 3 }
local ks, vs = it.to_array(it.keys(t)), it.to_array(it.values(t))
table.sort(ks); table.sort(vs)
print(table.concat(ks, ","), table.concat(vs, ","), it.count(pairs(t)), it.count(pairs({})))
for k, v in it.sorted_pairs(t) do print(k, v) end
for k, v in it.sorted_pairs(t, function(x, y) return x > y end) do print(k, v) end
for i, v in it.ripairs({ "x", "y", "z" }) do print(i, v) end
local r = {}; for i in it.range(3) do r[#r + 1] = i end
for i in it.range(5, 7) do r[#r + 1] = i end
print(table.concat(r, ","))
local tt = it.to_table(ipairs({ "p", "q" }))
print(tt[1], tt[2], tt[3])
`,
	"iterators": `
local it = require "util.iterators"
local list = { "a", "b", "c", "d", "e" }
for i, v in it.head(2, ipairs(list)) do print("head", i, v) end
for i, v in it.tail(2, ipairs(list)) do print("tail", i, v) end
for i, v in it.tail(9, ipairs({ "x", "y" })) do print("tail9", i, v) end
for i, v in it.skip(3, ipairs(list)) do print("skip", i, v) end
for i, v in it.reverse(ipairs({ "x", "y", "z" })) do print("reverse", i, v) end
for i, v in it.filter(function(i, v) return i % 2 == 1 end, ipairs(list)) do print("filter", i, v) end
for w in it.filter("b", string.gmatch("a b c b", "%a")) do print("filter value", w) end
for v in it.select(2, ipairs({ "s", "t" })) do print("select", v) end
for w in it.unique(string.gmatch("a b a c b", "%a")) do print("unique", w) end
print(it.count(it.head(0, ipairs(list))), it.count(it.filter(function() return false end, ipairs(list))))
`,
	"join": `
local it = require "util.iterators"
for i, v in it.join(ipairs({ "a", "b" })):append(ipairs({ "c" })) do print("join", i, v) end
for w in it.join(string.gmatch("x", "%a")):append(string.gmatch("y z", "%a")) do print("join1", w) end
`,
}

// util.iterators against Prosody's: the table iterators (keys, values,
// sorted_pairs, ripairs, range) and the ones over iterators (head, tail,
// skip, reverse, filter, select, unique, count, join).
func TestUtilIterators(t *testing.T) {
	sameAsProsody(t, iteratorsSnippets, map[string]string{
		"tables": "a,b,c\t1,2,3\t3\t0\na\t1\nb\t2\nc\t3\nc\t3\nb\t2\na\t1\n3\tz\n2\ty\n1\tx\n1,2,3,5,6,7\np\tq\tnil\n",
		"iterators": "head\t1\ta\nhead\t2\tb\ntail\t4\td\ntail\t5\te\ntail9\t1\tx\ntail9\t2\ty\nskip\t4\td\nskip\t5\te\n" +
			"reverse\t3\tz\nreverse\t2\ty\nreverse\t1\tx\nfilter\t1\ta\nfilter\t3\tc\nfilter\t5\te\n" +
			"filter value\ta\nfilter value\tc\nselect\ts\nselect\tt\nunique\ta\nunique\tb\nunique\tc\n0\t0\n",
		"join": "join\t1\ta\njoin\t2\tb\njoin\t1\tc\njoin1\tx\njoin1\ty\njoin1\tz\n",
	})
}
