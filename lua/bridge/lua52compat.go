package bridge

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

// Lua 5.2+ shims in every module state: gopher-lua is Lua 5.1, while
// Prosody 0.12's modules are written for 5.2 to 5.4. Each state gets
// table.unpack, table.pack and a bit32 library (the 5.2 one, on unsigned
// 32-bit numbers), which require "util.bitcompat" also returns; a module
// that does not parse because of 5.2+ syntax says so.

func init() {
	registerLibrary("util.bitcompat", func(inst *Instance) lua.LValue {
		return inst.L.GetGlobal("bit32")
	})
}

// installCompat adds the 5.2+ functions to a module's state.
func installCompat(L *lua.LState) {
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		if tbl.RawGetString("unpack") == lua.LNil {
			tbl.RawSetString("unpack", L.GetGlobal("unpack"))
		}
		if tbl.RawGetString("pack") == lua.LNil {
			tbl.RawSetString("pack", L.NewFunction(tablePack))
		}
	}
	L.SetGlobal("bit32", L.SetFuncs(L.NewTable(), bit32Funcs))
	installIpairs(L)
	installNext(L)
}

var bit32Funcs = map[string]lua.LGFunction{
	"band":    bitFold(math.MaxUint32, func(a, b uint32) uint32 { return a & b }),
	"bor":     bitFold(0, func(a, b uint32) uint32 { return a | b }),
	"bxor":    bitFold(0, func(a, b uint32) uint32 { return a ^ b }),
	"btest":   bitTest,
	"bnot":    func(L *lua.LState) int { return pushUint(L, ^checkUint(L, 1)) },
	"lshift":  func(L *lua.LState) int { return pushUint(L, shift(checkUint(L, 1), L.CheckInt(2))) },
	"rshift":  func(L *lua.LState) int { return pushUint(L, shift(checkUint(L, 1), -L.CheckInt(2))) },
	"arshift": bitArshift,
	"lrotate": func(L *lua.LState) int { return pushUint(L, rotate(checkUint(L, 1), L.CheckInt(2))) },
	"rrotate": func(L *lua.LState) int { return pushUint(L, rotate(checkUint(L, 1), -L.CheckInt(2))) },
	"extract": bitExtract,
	"replace": bitReplace,
}

// checkUint is argument n taken modulo 2^32, as bit32 takes numbers.
func checkUint(L *lua.LState, n int) uint32 {
	f := math.Floor(float64(L.CheckNumber(n)))
	f = math.Mod(f, 4294967296)
	if f < 0 {
		f += 4294967296
	}
	return uint32(f)
}

func pushUint(L *lua.LState, v uint32) int {
	L.Push(lua.LNumber(v))
	return 1
}

// bitFold combines all its arguments with op, starting from empty.
func bitFold(empty uint32, op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		acc := empty
		for i := 1; i <= L.GetTop(); i++ {
			acc = op(acc, checkUint(L, i))
		}
		return pushUint(L, acc)
	}
}

func bitTest(L *lua.LState) int {
	acc := uint32(math.MaxUint32)
	for i := 1; i <= L.GetTop(); i++ {
		acc &= checkUint(L, i)
	}
	L.Push(lua.LBool(acc != 0))
	return 1
}

// shift moves x left by disp bits (right when negative); 32 or more
// leaves nothing.
func shift(x uint32, disp int) uint32 {
	switch {
	case disp <= -32 || disp >= 32:
		return 0
	case disp < 0:
		return x >> uint(-disp)
	default:
		return x << uint(disp)
	}
}

func rotate(x uint32, disp int) uint32 {
	d := uint(disp & 31)
	return x<<d | x>>((32-d)&31)
}

func bitArshift(L *lua.LState) int {
	x, disp := checkUint(L, 1), L.CheckInt(2)
	if disp < 0 || x&0x80000000 == 0 {
		return pushUint(L, shift(x, -disp))
	}
	if disp >= 32 {
		return pushUint(L, math.MaxUint32)
	}
	return pushUint(L, uint32(int32(x)>>uint(disp)))
}

// fieldArgs reads extract's and replace's field and width (width 1 when
// absent) and checks they lie within 32 bits.
func fieldArgs(L *lua.LState, at int) (uint, uint32) {
	field, width := L.CheckInt(at), L.OptInt(at+1, 1)
	if field < 0 {
		L.ArgError(at, "field cannot be negative")
	}
	if width <= 0 {
		L.ArgError(at+1, "width must be positive")
	}
	if field+width > 32 {
		L.RaiseError("trying to access non-existent bits")
	}
	return uint(field), uint32(math.MaxUint32) >> uint(32-width)
}

func bitExtract(L *lua.LState) int {
	x := checkUint(L, 1)
	field, mask := fieldArgs(L, 2)
	return pushUint(L, x>>field&mask)
}

func bitReplace(L *lua.LState) int {
	x, v := checkUint(L, 1), checkUint(L, 2)
	field, mask := fieldArgs(L, 3)
	return pushUint(L, x&^(mask<<field)|(v&mask)<<field)
}

// newerSyntax finds, on the line a parse error points at, syntax that is
// Lua 5.2+'s (outside strings and comments); "" when there is none.
var (
	luaStrings  = regexp.MustCompile(`"(\\.|[^"\\])*"|'(\\.|[^'\\])*'|\[(=*)\[.*?\]=*\]`)
	newerTokens = regexp.MustCompile(`\bgoto\b|::[A-Za-z_]\w*::|//|<<|>>|&|\||~[^=]|~$`)
)

func newerSyntax(src []byte, line int) string {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	text := luaStrings.ReplaceAllString(lines[line-1], `""`)
	if i := strings.Index(text, "--"); i >= 0 {
		text = text[:i]
	}
	tok := newerTokens.FindString(text)
	switch {
	case tok == "":
		return ""
	case strings.HasPrefix(tok, "::"):
		return "::label::"
	case strings.HasPrefix(tok, "~"):
		return "~"
	}
	return tok
}

// compatSyntaxMessage is the parse error of a module written for Lua 5.2+.
func compatSyntaxMessage(path string, src []byte, line int) (string, bool) {
	tok := newerSyntax(src, line)
	if tok == "" {
		return "", false
	}
	return fmt.Sprintf("this module needs Lua 5.2+ syntax (%s) at %s:%d", tok, path, line), true
}

// parseErrorMessage is the message of a module that does not parse: that
// it needs Lua 5.2+ when the failing line has 5.2+ syntax, otherwise the
// syntax error.
func parseErrorMessage(path string, src []byte, err error) string {
	msg := luaval.SyntaxMessage(path, err)
	var line int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(msg, path+":"), "%d:", &line); scanErr == nil && strings.HasPrefix(msg, path+":") {
		if newer, ok := compatSyntaxMessage(path, src, line); ok {
			return newer
		}
	}
	return msg
}
