package bridge

import (
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// httpEvent is the data of one net.http.server event (request, response,
// and for "http-error" code, message, private_message, error), seen in
// each state as a table made there once: the request and response in it
// are proxies on the same records, the other fields copies.
type httpEvent struct {
	request, response *record
	fields            map[string]any

	mu     sync.Mutex
	tables perState
}

// tableIn is the event's table in inst's state.
func (ev *httpEvent) tableIn(inst *Instance) *lua.LTable {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if t := ev.tables.get(inst); t != nil {
		return t
	}
	L := inst.L
	var t *lua.LTable
	if ev.request != nil && ev.response != nil {
		// A request's event: a copy of the state's template, whose two
		// fields are replaced in place (see CloneTable).
		t = L.CloneTable(inst.recordMetamethods().event)
	} else {
		t = L.CreateTable(0, 2+len(ev.fields))
	}
	if ev.request != nil {
		t.RawSetString("request", ev.request.proxyIn(inst))
	}
	if ev.response != nil {
		t.RawSetString("response", ev.response.proxyIn(inst))
	}
	for k, v := range ev.fields {
		t.RawSetString(k, toLuaResult(inst, v))
	}
	ev.tables.put(inst, t)
	return t
}

// from is the event a module passes on (a wrapper to the handlers it
// wraps, or fire_event): ev itself when given ev's table, else one made
// from the table given.
func (ev *httpEvent) from(inst *Instance, v lua.LValue) *httpEvent {
	ev.mu.Lock()
	same := ev.tables.get(inst) == v
	ev.mu.Unlock()
	if same {
		return ev
	}
	next := &httpEvent{fields: map[string]any{}}
	t, ok := v.(*lua.LTable)
	if !ok {
		return next
	}
	next.tables.put(inst, t) // this state keeps its own table
	t.ForEach(func(k, val lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok {
			return
		}
		if obj, ok := portableOf(inst.L, val); ok {
			if r, ok := obj.(*record); ok && (name == "request" || name == "response") {
				if name == "request" {
					next.request = r
				} else {
					next.response = r
				}
				return
			}
		}
		next.fields[string(name)] = fromLuaResult(inst, val)
	})
	return next
}
