// Package value is the Go form of config values: nil, bool, float64, string,
// *Table and *Function, as a config file or a module's declaration produces
// them.
//
// Options and shared state must outlive the Lua state that produced them and
// be readable by Go code that knows nothing of Lua, so this package owns the
// value model, its lookups and how a value is shown to the operator. It links
// nothing of Lua: the conversions to and from a Lua state live in lua/luaval.
package value

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Table is a Lua table copied out of a Lua state. Array holds the values at
// keys 1..n; Hash holds every other key (string, float64 or bool).
type Table struct {
	Array []any
	Hash  map[any]any
	// Origin is where the table was written ("mod_x.lua:12"), when the
	// code that copied it knows and an option's location does not say it,
	// so that messages about its fields can name the place.
	Origin string
}

// Function is a Lua function inside a value: Prosody lets TLS tables hold
// some (LuaSec calls an alpn function at each handshake with the client's
// protocols). Go code that knows nothing of Lua calls it through Call, which
// runs it in the Lua state that made it, as that state's owner allows.
// Call is nil when that state is gone: a config file's functions live only
// while the file is evaluated.
type Function struct {
	Where string // "file:line" of its definition
	Call  func(args ...any) ([]any, error)
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

// Keys returns the hash keys sorted by their printed form, so iteration is
// stable.
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
	case *Function:
		return "function (" + x.Where + ")"
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

// isIdent reports whether s can be written as a bare table key (name = …).
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

// Seconds is a config number of seconds as a Duration (Prosody writes
// times as seconds, fractions allowed).
func Seconds(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }
