package bridge

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.human.units", funcsLibrary(unitsFuncs)) }

// unitsFuncs is require "util.human.units": numbers with SI or binary
// prefixes.
var unitsFuncs = map[string]lua.LGFunction{
	"adjust": unitsAdjust,
	"format": unitsFormat,
}

// A prefix and what it multiplies by: the i-th of each list is for
// 1000^i (1024^i), i from 1 to 8.
type unitPrefix struct {
	name       string
	multiplier float64
}

var (
	largePrefixes  = []unitPrefix{{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18}, {"Z", 1e21}, {"Y", 1e24}}
	smallPrefixes  = []unitPrefix{{"m", 1e-3}, {"μ", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21}, {"y", 1e-24}}
	binaryPrefixes = []unitPrefix{{"Ki", 0x1p10}, {"Mi", 0x1p20}, {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60}, {"Zi", 0x1p70}, {"Yi", 0x1p80}}
)

// adjustUnit is the prefix for n: binary when b is "b", else SI (the
// small ones below 1). ok is false for none (the multiplier is 1).
func adjustUnit(n float64, binary bool) (p unitPrefix, ok bool) {
	prefixes, base, round := largePrefixes, 1000.0, math.Floor
	if binary {
		prefixes, base = binaryPrefixes, 1024
	} else if n < 1 {
		prefixes, round = smallPrefixes, math.Ceil
	}
	m := math.Max(0, math.Min(8, round(math.Abs(math.Log(math.Abs(n))/math.Log(base)))))
	if m >= 1 {
		return prefixes[int(m)-1], true
	}
	return unitPrefix{multiplier: 1}, false
}

// unitsAdjust is adjust(n, b): the multiplier and the prefix (nil for
// none).
func unitsAdjust(L *lua.LState) int {
	p, ok := adjustUnit(float64(L.CheckNumber(1)), L.OptString(2, "") == "b")
	L.Push(lua.LNumber(p.multiplier))
	if ok {
		L.Push(lua.LString(p.name))
	} else {
		L.Push(lua.LNil)
	}
	return 2
}

// unitsFormat is format(n, unit, b): n scaled to its prefix with three
// significant digits, "1.5 kB".
func unitsFormat(L *lua.LState) int {
	n := float64(L.CheckNumber(1))
	unit := L.ToStringMeta(L.Get(2)).String()
	p := unitPrefix{multiplier: 1}
	if n != 0 {
		p, _ = adjustUnit(n, L.OptString(3, "") == "b")
	}
	L.Push(lua.LString(fmt.Sprintf("%.3g %s%s", n/p.multiplier, p.name, unit)))
	return 1
}
