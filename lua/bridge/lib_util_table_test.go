package bridge

import "testing"

var tableSnippets = map[string]string{
	"pack": `
local ut = require "util.table"
local p = ut.pack(1, nil, "x", nil)
print(p.n, p[1], p[2], p[3], p[4], ut.pack().n)
local t = ut.create(4, 2)
print(type(t), next(t), #t)
t[1] = "a"; t.k = "v"
print(t[1], t.k, #ut.create(0, 0))
print(pcall(ut.create, "x", 1) == false, pcall(ut.create) == false)
`,
}

// util.table (a C module in Prosody) against Prosody's: pack counts nils,
// create makes an empty table and wants its two sizes.
func TestUtilTable(t *testing.T) {
	sameAsProsody(t, tableSnippets, map[string]string{
		"pack": "4\t1\tnil\tx\tnil\t0\ntable\tnil\t0\na\tv\t0\ntrue\ttrue\n",
	})
}
