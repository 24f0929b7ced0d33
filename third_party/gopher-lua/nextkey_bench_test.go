package lua

// moonport: the paths the __pairs lookup and next's missing-key check
// touch (see MOONPORT.md, "__pairs and __len on tables"): a pairs call
// over a small table, where the call's own cost shows, and next.

import "testing"

const smallSetup = `local small = {a = 1, b = 2, c = 3}
local arr = {1, 2, 3}
local next = next`

func BenchmarkPairsSmall(b *testing.B) {
	benchHot(b, smallSetup, `for k, v in pairs(small) do end`)
}

func BenchmarkPairsArray(b *testing.B) {
	benchHot(b, smallSetup, `for k, v in pairs(arr) do end`)
}

func BenchmarkNextLoop(b *testing.B) {
	benchHot(b, smallSetup, `for k, v in next, small do end`)
}

func BenchmarkNextEmpty(b *testing.B) {
	benchHot(b, smallSetup, `local e = next(small) == nil`)
}
