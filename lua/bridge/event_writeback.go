package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// An event's data crosses into a handler of another state as a copy
// (crossstate.go), yet Prosody's modules answer some events by setting a
// field of it: user-registering's handlers (mod_mimicking,
// mod_register_limits, mod_tombstones) set allowed = false and a reason
// that the firing module (mod_register_web) reads once fire_event
// returns. So a handler's top-level changes of the data to a boolean,
// number or string, or to nil, are written back into the firer's table
// before the next handler runs; changes inside nested tables, and fields
// set to tables or functions, stay the handler's own.

// fieldChange is one top-level string-keyed field a handler changed: its
// new value (bool, float64, string; nil when it removed the field).
type fieldChange struct {
	key string
	val any
}

// watchEventData arms a, whose first value is the event's data, to
// collect what the handler about to run in another state changes of it
// into *changes. It gives false (nothing armed) when the data is not a
// plain table of the firer's state.
func (a *argv) watchEventData(changes *[]fieldChange) bool {
	if a.from == nil || len(a.local) == 0 {
		return false
	}
	if _, ok := a.local[0].(*lua.LTable); !ok {
		return false
	}
	before, ok := a.exported()[0].(*xtable)
	if !ok || before.lib != "" {
		return false
	}
	a.after = func(_ *Instance, in []lua.LValue) {
		if t, ok := in[0].(*lua.LTable); ok {
			*changes = scalarChanges(before, t)
		}
	}
	return true
}

// writeBack sets changes in the firer's table and in its exported copy,
// which the next handler gets (the other values keep how they cross).
func (a *argv) writeBack(changes []fieldChange) {
	a.after = nil
	if len(changes) == 0 {
		return
	}
	data := a.local[0].(*lua.LTable)
	copied := a.x[0].(*xtable)
	for _, c := range changes {
		copied.set(c.key, c.val)
		var v lua.LValue = lua.LNil
		switch x := c.val.(type) {
		case bool:
			v = lua.LBool(x)
		case float64:
			v = lua.LNumber(x)
		case string:
			v = lua.LString(x)
		}
		data.RawSetString(c.key, v)
	}
}

// set gives the exported table's string field name the value v (nil:
// removes it).
func (t *xtable) set(name string, v any) {
	for i, k := range t.keys {
		if k == name {
			if v == nil {
				t.keys = append(t.keys[:i:i], t.keys[i+1:]...)
				t.vals = append(t.vals[:i:i], t.vals[i+1:]...)
			} else {
				t.vals[i] = v
			}
			return
		}
	}
	if v != nil {
		t.keys, t.vals = append(t.keys, name), append(t.vals, v)
	}
}

// scalarChanges compares after, the handler's copy of the data once it
// returned, with before, the data it was given: the string-keyed fields
// now a different boolean, number or string, and those now nil.
func scalarChanges(before *xtable, after *lua.LTable) []fieldChange {
	was := map[string]any{}
	for i, k := range before.keys {
		if name, ok := k.(string); ok {
			was[name] = before.vals[i]
		}
	}
	var out []fieldChange
	after.ForEach(func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok {
			return
		}
		var now any
		switch x := v.(type) {
		case lua.LBool:
			now = bool(x)
		case lua.LNumber:
			now = float64(x)
		case lua.LString:
			now = string(x)
		default:
			return
		}
		if old, had := was[string(name)]; !had || old != now {
			out = append(out, fieldChange{key: string(name), val: now})
		}
	})
	for name := range was {
		if after.RawGetString(name) == lua.LNil {
			out = append(out, fieldChange{key: name})
		}
	}
	return out
}
