package luaval

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
)

// ErrFunction is returned when a value cannot leave its Lua state.
type ErrFunction struct{ Kind string }

func (e *ErrFunction) Error() string {
	return fmt.Sprintf("a %s cannot be used here; only strings, numbers, booleans and tables of them can", e.Kind)
}

// ToGo copies a Lua value into Go. Functions, userdata and threads cannot be
// copied and produce an *ErrFunction; cycles are cut at depth 64.
func ToGo(v lua.LValue) (any, error) { return toGo(v, 0, nil) }

// ToGoFunctions is ToGo for values that may hold functions (Prosody's TLS
// tables): each function becomes what conv makes of it, usually a
// *value.Function.
func ToGoFunctions(v lua.LValue, conv func(*lua.LFunction) any) (any, error) {
	return toGo(v, 0, conv)
}

// Where is "file:line" of fn's definition ("[Go]" for a Go function).
func Where(fn *lua.LFunction) string {
	if fn.IsG || fn.Proto == nil {
		return "[Go]"
	}
	return fmt.Sprintf("%s:%d", fn.Proto.SourceName, fn.Proto.LineDefined)
}

func toGo(v lua.LValue, depth int, conv func(*lua.LFunction) any) (any, error) {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LNumber:
		return float64(x), nil
	case lua.LString:
		return string(x), nil
	case *lua.LTable:
		if depth > 64 {
			return nil, fmt.Errorf("table nested more than 64 levels deep (a cycle?)")
		}
		t := &value.Table{}
		n := x.Len()
		for i := 1; i <= n; i++ {
			ev, err := toGo(x.RawGetInt(i), depth+1, conv)
			if err != nil {
				return nil, err
			}
			t.Array = append(t.Array, ev)
		}
		var ferr error
		x.ForEach(func(k, val lua.LValue) {
			if ferr != nil {
				return
			}
			if kn, ok := k.(lua.LNumber); ok {
				if f := float64(kn); f >= 1 && f <= float64(n) && f == float64(int(f)) {
					return
				}
			}
			gk, err := toGo(k, depth+1, conv)
			if err != nil {
				ferr = err
				return
			}
			if _, isTable := gk.(*value.Table); isTable {
				ferr = fmt.Errorf("tables cannot be used as keys")
				return
			}
			gv, err := toGo(val, depth+1, conv)
			if err != nil {
				ferr = err
				return
			}
			if t.Hash == nil {
				t.Hash = map[any]any{}
			}
			t.Hash[gk] = gv
		})
		return t, ferr
	case *lua.LFunction:
		if conv == nil {
			return nil, &ErrFunction{Kind: "function"}
		}
		return conv(x), nil
	case *lua.LUserData:
		if r, ok := x.Value.(Referable); ok {
			return r.Ref(), nil
		}
		return nil, &ErrFunction{Kind: "userdata"}
	default:
		return nil, &ErrFunction{Kind: v.Type().String()}
	}
}

// Ref stands for a host object (a connection) outside any Lua state, so
// it can travel from one state to another (module.save to module.restore).
type Ref struct {
	Kind string
	ID   uint64
}

// Referable is a userdata value that can travel as a Ref.
type Referable interface{ Ref() Ref }

// ToLua builds a Lua value in L from a Go value made by ToGo (or by hand
// from the same kinds, plus int and []string for convenience).
func ToLua(L *lua.LState, v any) lua.LValue { return ToLuaWith(L, v, nil) }

// ToLuaWith is ToLua that turns each Ref into a value with resolve (nil
// when resolve is nil).
func ToLuaWith(L *lua.LState, v any, resolve func(Ref) lua.LValue) lua.LValue {
	switch x := v.(type) {
	case Ref:
		if resolve == nil {
			return lua.LNil
		}
		return resolve(x)
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []string:
		t := L.CreateTable(len(x), 0)
		for _, s := range x {
			t.Append(lua.LString(s))
		}
		return t
	case *value.Function:
		return functionToLua(L, x)
	case *value.Table:
		t := L.CreateTable(len(x.Array), len(x.Hash))
		// A hole (nil) keeps its place, so a list with holes comes back as
		// it was; a Ref that resolves to nothing (a connection gone since
		// module.save) is left out, closing up the list.
		i := 0
		for _, ev := range x.Array {
			lv := ToLuaWith(L, ev, resolve)
			switch {
			case ev == nil:
				i++
			case lv != lua.LNil:
				i++
				t.RawSetInt(i, lv)
			}
		}
		for k, ev := range x.Hash {
			if kv := ToLuaWith(L, k, resolve); kv != lua.LNil {
				t.RawSet(kv, ToLuaWith(L, ev, resolve))
			}
		}
		return t
	default:
		return lua.LString(fmt.Sprint(x))
	}
}

// functionToLua gives Lua code a value.Function back as a function that
// fails, naming it: a config file's functions are gone once the file is
// read, and a module's may only run inside that module's own state (run
// from another state, or re-entered from its own, it would wait for
// itself).
func functionToLua(L *lua.LState, f *value.Function) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("the function defined at %s cannot be called from here: it lives in the config file or in another module", f.Where)
		return 0
	})
}

var syntaxPos = regexp.MustCompile(`line:(\d+)\(column:\d+\)`)

// SyntaxMessage turns gopher-lua's compile error into "file:line: message".
func SyntaxMessage(path string, err error) string {
	msg := err.Error()
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && apiErr.Cause != nil {
		msg = apiErr.Cause.Error()
	}
	line := 0
	if m := syntaxPos.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg = strings.TrimSpace(msg)
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[i+1:])
	}
	msg = strings.TrimPrefix(msg, path+" ")
	msg = syntaxPos.ReplaceAllString(msg, "")
	msg = strings.Join(strings.Fields(msg), " ")
	if line > 0 {
		return fmt.Sprintf("%s:%d: syntax error: %s", path, line, msg)
	}
	return fmt.Sprintf("%s: syntax error: %s", path, msg)
}
