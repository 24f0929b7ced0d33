package lua

// moonport: results of the standard library's Go functions without a heap
// allocation each (see MOONPORT.md, "Hot paths of a module's event").
// Boxing an LNumber or an LString into an LValue allocates (8 bytes for
// the float, 16 for the string header): string.byte, string.find and
// tonumber, which real modules call several times per line they read,
// allocated once per result.

import "math"

// pushNumber pushes n as L.Push(n) does, but boxed by the state's
// allocator: small integers share preboxed values and others come from
// a slab, as the VM's arithmetic results do. A negative zero is boxed
// as before, since the preboxed 0 is +0 and Lua 5.1 keeps -0
// (math.ceil(-0.5) prints -0).
func (ls *LState) pushNumber(n LNumber) {
	if n == 0 && math.Signbit(float64(n)) {
		ls.reg.Push(n)
		return
	}
	ls.reg.Push(ls.alloc.LNumber2I(n))
}

// singleByteStrings holds the 256 one-byte strings, preboxed: a parser's
// string.sub(s, i, i) or a one-character capture then costs no
// allocation.
var singleByteStrings [256]LValue

func init() {
	for i := range singleByteStrings {
		singleByteStrings[i] = LString([]byte{byte(i)})
	}
}

// stringValue returns s as an LValue, preboxed when it is empty or one
// byte long.
func stringValue(s string) LValue {
	switch len(s) {
	case 0:
		return emptyLString
	case 1:
		return singleByteStrings[s[0]]
	}
	return LString(s)
}

// patternSpecials marks the bytes Lua 5.1's string.find looks for
// (SPECIALS in lstrlib.c) to decide whether a pattern needs the matcher.
var patternSpecials = [256]bool{'^': true, '$': true, '*': true, '+': true,
	'?': true, '.': true, '(': true, '[': true, '%': true, '-': true}

// hasPatternSpecials reports whether pattern holds a byte of SPECIALS.
func hasPatternSpecials(pattern string) bool {
	for i := 0; i < len(pattern); i++ {
		if patternSpecials[pattern[i]] {
			return true
		}
	}
	return false
}

// decimalInt parses s when it is 1 to 15 decimal digits with an optional
// leading '-' and a non-zero value: the numbers protocols carry (lengths,
// counts, ports). Every such string is exactly representable, and Lua
// 5.1's strtod and v1.1.2's ParseInt read it alike; anything else
// (spaces, signs, hex, fractions, exponents, "-0", more digits) is left
// to the general conversion.
func decimalInt(s string) (LNumber, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	if neg {
		if n == 0 {
			return 0, false
		}
		n = -n
	}
	return LNumber(n), true
}

// pushGFrame pushes the frame of a call of the Go function fn from the
// Lua frame parent, as OP_CALL's pushCallFrame does, when the state has
// the default fixed call stack and room on it; it reports whether it
// did. The frame is written in place: pushCallFrame builds it, passes
// it by value through the callFrameStack interface and copies it again,
// which cost a tenth of a call of string.byte.
func (ls *LState) pushGFrame(fn *LFunction, parent *callFrame, base, nargs, nret int) bool {
	fs, ok := ls.stack.(*fixedCallFrameStack)
	if !ok || fs.sp == len(fs.array) {
		return false // pushCallFrame grows the stack or raises the overflow
	}
	cf := &fs.array[fs.sp]
	cf.Idx = fs.sp
	cf.Fn = fn
	cf.Parent = parent
	cf.Pc = 0
	cf.Base = base
	cf.LocalBase = base + 1
	cf.ReturnBase = base
	cf.NArgs = nargs
	cf.NRet = nret
	cf.TailCall = 0
	fs.sp++
	ls.reg.SetTop(base + 1 + nargs) // initCallFrame of a Go function
	ls.currentFrame = cf
	return true
}
