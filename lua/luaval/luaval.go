// Package luaval converts values between Lua states and plain Go data.
//
// Config options and shared state must outlive the Lua state that produced
// them and be readable from others, so they are held as Go values: nil,
// bool, float64, string and *Table. This package owns that value model and
// the two conversions; it knows nothing of config files, modules or sockets.
package luaval

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Table is a Lua table copied out of a Lua state. Array holds the values at
// keys 1..n; Hash holds every other key (string, float64 or bool).
type Table struct {
	Array []any
	Hash  map[any]any
}

// Get returns the value at key k, looking in Array for whole numbers in range.
func (t *Table) Get(k any) any {
	if t == nil {
		return nil
	}
	if f, ok := k.(float64); ok && f >= 1 && f == float64(int(f)) && int(f) <= len(t.Array) {
		return t.Array[int(f)-1]
	}
	if k == nil {
		return nil
	}
	return t.Hash[k]
}

// Field returns the value at string key k.
func (t *Table) Field(k string) any { return t.Get(k) }

// Keys returns the hash keys sorted, strings first, so iteration is stable.
func (t *Table) Keys() []any {
	keys := make([]any, 0, len(t.Hash))
	for k := range t.Hash {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys
}

// List returns v as a list: a table's array part, or a single value as a
// one-element list, as Prosody accepts a lone value where a list is expected.
func List(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case *Table:
		return x.Array
	default:
		return []any{x}
	}
}

// ErrFunction is returned when a value cannot leave its Lua state.
type ErrFunction struct{ Kind string }

func (e *ErrFunction) Error() string {
	return fmt.Sprintf("a %s cannot be used here; only strings, numbers, booleans and tables of them can", e.Kind)
}

// ToGo copies a Lua value into Go. Functions, userdata and threads cannot be
// copied and produce an *ErrFunction; cycles are cut at depth 64.
func ToGo(v lua.LValue) (any, error) { return toGo(v, 0) }

func toGo(v lua.LValue, depth int) (any, error) {
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
		t := &Table{}
		n := x.Len()
		for i := 1; i <= n; i++ {
			ev, err := toGo(x.RawGetInt(i), depth+1)
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
			gk, err := toGo(k, depth+1)
			if err != nil {
				ferr = err
				return
			}
			if _, isTable := gk.(*Table); isTable {
				ferr = fmt.Errorf("tables cannot be used as keys")
				return
			}
			gv, err := toGo(val, depth+1)
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
	case *Table:
		t := L.CreateTable(len(x.Array), len(x.Hash))
		for _, ev := range x.Array {
			t.Append(ToLuaWith(L, ev, resolve))
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

// Format renders a value the way an operator would write it in the config,
// for error messages and the check command.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *Table:
		var parts []string
		for _, e := range x.Array {
			parts = append(parts, Format(e))
		}
		for _, k := range x.Keys() {
			ks, ok := k.(string)
			if ok && isIdent(ks) {
				parts = append(parts, ks+" = "+Format(x.Hash[k]))
			} else {
				parts = append(parts, "["+Format(k)+"] = "+Format(x.Hash[k]))
			}
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	default:
		return fmt.Sprint(x)
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
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
