package lua

// moonport: fast paths for the standard library functions a protocol
// parser calls several times per line (string.byte, find, sub, len,
// tonumber), taken by OP_CALL before the Go function call path (see
// MOONPORT.md, "Hot paths of a module's event"). A regular call of a Go
// function pushes a call frame, reads each argument through LState.Get,
// pushes its results and copies them back, some 400 machine instructions
// around the function's own work. A fast path reads the arguments in
// the caller's registers and writes the results in place; it handles
// only calls whose arguments have the common types, and its results are
// exactly the function's. Anything else (other types, missing or extra
// arguments the function treats specially, errors, pattern matching)
// returns false and takes the regular call, which raises the same errors
// as before. A fast path never raises an error or calls Lua, so no frame
// is missing from a traceback.

import (
	"math"
	"strings"
)

// fastGFunc computes the results of a call whose function is at register
// ra with nargs arguments after it and nret results wanted (never
// MultRet), and stores them with fastReturn; it reports whether it did.
type fastGFunc func(L *LState, ra, nargs, nret int) bool

// setFastPaths gives the functions of mod named in fast their fast path,
// when they are still the library's Go functions.
func setFastPaths(mod *LTable, fast map[string]fastGFunc) {
	for name, f := range fast {
		if fn, ok := mod.RawGetString(name).(*LFunction); ok && fn.IsG {
			fn.fast = f
		}
	}
}

var strFastPaths = map[string]fastGFunc{
	"byte": fastStrByte,
	"find": fastStrFind,
	"sub":  fastStrSub,
	"len":  fastStrLen,
}

var baseFastPaths = map[string]fastGFunc{
	"tonumber": fastToNumber,
	"type":     fastType,
}

var mathFastPaths = map[string]fastGFunc{
	"floor": fastMathFloor,
}

// typeNames holds type()'s answers, preboxed: type(x) == "string" is
// the usual argument check of a Lua function.
var typeNames [len(lValueNames)]LValue

func init() {
	for i, name := range lValueNames {
		typeNames[i] = LString(name)
	}
}

// fastReturn leaves the registers as OP_CALL's regular path leaves them
// after a Go function returned the n values v0, v1: nret results from
// ra (LNil past the n), the top at ra+nret, and the registers above it,
// up to the old top or the end of the arguments, cleared.
func (ls *LState) fastReturn(ra, nargs, nret int, n int, v0, v1 LValue) bool {
	rg := ls.reg
	if ra+nret > len(rg.array) {
		return false // the regular path grows the registers
	}
	hi := rg.top
	if end := ra + 1 + nargs; end > hi {
		hi = end
	}
	for i := 0; i < nret; i++ {
		switch {
		case i >= n:
			rg.array[ra+i] = LNil
		case i == 0:
			rg.array[ra] = v0
		default:
			rg.array[ra+1] = v1
		}
	}
	for i := ra + nret; i < hi; i++ {
		rg.array[i] = nil
	}
	rg.top = ra + nret
	return true
}

// fastInt is OptInt's reading of an argument: a number, truncated, or d
// for nil; ok is false for any other type.
func fastInt(v LValue, d int) (int, bool) {
	switch n := v.(type) {
	case LNumber:
		return int(n), true
	case *LNilType:
		return d, true
	}
	return 0, false
}

// fastStrByte is strByte for string.byte(s, i), one byte or none.
func fastStrByte(L *LState, ra, nargs, nret int) bool {
	if nargs != 2 {
		return false
	}
	args := L.reg.array[ra+1 : ra+3]
	str, ok := args[0].(LString)
	if !ok {
		return false
	}
	i, ok := args[1].(LNumber)
	if !ok {
		return false
	}
	l := len(str)
	start := int(i) - 1
	if start < 0 {
		start = l + start + 1
	}
	if start < 0 || start >= l {
		return L.fastReturn(ra, nargs, nret, 0, nil, nil)
	}
	return L.fastReturn(ra, nargs, nret, 1, L.alloc.LNumber2I(LNumber(str[start])), nil)
}

// fastStrFind is strFind for a plain search (the 4th argument true, or a
// pattern without special characters).
func fastStrFind(L *LState, ra, nargs, nret int) bool {
	if nargs < 2 {
		return false
	}
	args := L.reg.array[ra+1 : ra+1+nargs]
	str, ok := args[0].(LString)
	if !ok {
		return false
	}
	pattern, ok := args[1].(LString)
	if !ok {
		return false
	}
	init := 1
	if nargs >= 3 {
		if init, ok = fastInt(args[2], 1); !ok {
			return false
		}
	}
	if !(nargs >= 4 && LVAsBool(args[3])) && hasPatternSpecials(string(pattern)) {
		return false
	}
	s := string(str)
	start := intMin(luaIndex2StringIndex(s, init, true), len(s))
	pos := strings.Index(s[start:], string(pattern))
	if pos < 0 {
		return L.fastReturn(ra, nargs, nret, 1, LNil, nil)
	}
	return L.fastReturn(ra, nargs, nret, 2,
		L.alloc.LNumber2I(LNumber(start+pos+1)), L.alloc.LNumber2I(LNumber(start+pos+len(pattern))))
}

// fastStrSub is strSub.
func fastStrSub(L *LState, ra, nargs, nret int) bool {
	if nargs < 2 || nargs > 3 {
		return false
	}
	args := L.reg.array[ra+1 : ra+1+nargs]
	str, ok := args[0].(LString)
	if !ok {
		return false
	}
	i, ok := args[1].(LNumber)
	if !ok {
		return false
	}
	j := -1
	if nargs == 3 {
		if j, ok = fastInt(args[2], -1); !ok {
			return false
		}
	}
	s := string(str)
	start := luaIndex2StringIndex(s, int(i), true)
	end := luaIndex2StringIndex(s, j, false)
	if start >= len(s) || end < start {
		return L.fastReturn(ra, nargs, nret, 1, emptyLString, nil)
	}
	return L.fastReturn(ra, nargs, nret, 1, stringValue(s[start:end]), nil)
}

// fastStrLen is strLen for a string.
func fastStrLen(L *LState, ra, nargs, nret int) bool {
	if nargs < 1 {
		return false
	}
	str, ok := L.reg.array[ra+1].(LString)
	if !ok {
		return false
	}
	return L.fastReturn(ra, nargs, nret, 1, L.alloc.LNumber2I(LNumber(len(str))), nil)
}

// fastToNumber is baseToNumber's own fast path: a number, or a string of
// decimal digits (decimalInt), with no base.
func fastToNumber(L *LState, ra, nargs, nret int) bool {
	if nargs != 1 {
		return false
	}
	switch v := L.reg.array[ra+1].(type) {
	case LNumber:
		return L.fastReturn(ra, nargs, nret, 1, L.reg.array[ra+1], nil)
	case LString:
		if n, ok := decimalInt(string(v)); ok {
			return L.fastReturn(ra, nargs, nret, 1, L.alloc.LNumber2I(n), nil)
		}
	}
	return false
}

// fastType is baseType.
func fastType(L *LState, ra, nargs, nret int) bool {
	if nargs < 1 {
		return false
	}
	return L.fastReturn(ra, nargs, nret, 1, typeNames[L.reg.array[ra+1].Type()], nil)
}

// fastMathFloor is mathFloor for a number whose floor is not -0 (the
// preboxed 0 is +0).
func fastMathFloor(L *LState, ra, nargs, nret int) bool {
	if nargs < 1 {
		return false
	}
	n, ok := L.reg.array[ra+1].(LNumber)
	if !ok {
		return false
	}
	f := math.Floor(float64(n))
	if f == 0 && math.Signbit(f) {
		return false
	}
	return L.fastReturn(ra, nargs, nret, 1, L.alloc.LNumber2I(LNumber(f)), nil)
}
