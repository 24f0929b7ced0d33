package lua

// moonport: benchmarks of table paths that the pruning of deleted keys
// (compactKeys) and the trimming of the array part (setArray) touch:
// churn of distinct keys, which they change, and the steady-state paths
// they must not slow down (see MOONPORT.md, "Tables forget deleted
// keys"). Each reports cpu-ns/op (benchHot).

import "testing"

// churnSetup is a table keyed by connection-like objects with 100 live,
// its key index built (it has been iterated and deleted from).
const churnSetup = `
local t, ring = {}, {}
for i = 0, 99 do local k = {}; ring[i] = k; t[k] = i end
t[ring[0]] = nil; t[ring[0]] = 0
for k in pairs(t) do end
local u = ring[1]
local s = {}
for i = 1, 100 do s["k" .. i] = i end
s.k1 = nil; s.k1 = 1
for k in pairs(s) do end
`

// A new key replaces the oldest of 100: one table key set, one cleared.
func BenchmarkTableChurnTableKeys(b *testing.B) {
	benchHot(b, churnSetup, `local slot = i % 100; t[ring[slot]] = nil; local k = {}; ring[slot] = k; t[k] = i`)
}

// The same with number keys in the hash part (no allocation of the key).
func BenchmarkTableChurnNumberKeys(b *testing.B) {
	benchHot(b, churnSetup, `s[i + 0.5] = i; s[i - 99.5] = nil`)
}

// The same key set and cleared again and again (TableUserdataKey with an
// indexed table): it keeps its slot, no pruning.
func BenchmarkTableSetClearSameKey(b *testing.B) {
	benchHot(b, churnSetup, `t[u] = i; t[u] = nil`)
}

// Steady state: fields already in an indexed table updated.
func BenchmarkTableSetExistingString(b *testing.B) {
	benchHot(b, churnSetup, `s.k50 = i`)
}

func BenchmarkTableSetExistingTableKey(b *testing.B) {
	benchHot(b, churnSetup, `t[u] = i`)
}

// A traversal of 100 string keys.
func BenchmarkTablePairs100(b *testing.B) {
	benchHot(b, churnSetup, `for k, v in pairs(s) do end`)
}

// An array used as a stack.
func BenchmarkTableStackPushPop(b *testing.B) {
	benchHot(b, churnSetup+`local st = {1, 2, 3, 4, 5}`, `st[#st + 1] = i; st[#st] = nil`)
}

// An array element updated in place.
func BenchmarkTableArraySet(b *testing.B) {
	benchHot(b, churnSetup+`local st = {1, 2, 3, 4, 5}`, `st[3] = i`)
}

// A traversal of 100 live keys after 100,000 came and went (v1.1.2
// walked all 100,000).
func BenchmarkTablePairsAfterChurn(b *testing.B) {
	benchHot(b, churnSetup+`for j = 1, 100000 do s[j + 0.5] = j; s[j - 99.5] = nil end
for j = 1, 100 do s["k" .. j] = nil end`, `for k, v in pairs(s) do end`)
}
