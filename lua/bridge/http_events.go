package bridge

import (
	"errors"
	"sort"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

// The events of a runtime's net.http.server: one set for every module
// state, as Prosody has one per process. A handler runs in the state of
// the module that added it; the event's data (request, response, code, …)
// is seen in each state through proxies on the same Go objects.
//
// Matching follows Prosody's net.http.server: handlers of the event's own
// name and of every wildcard parent ("GET /files/*" for "GET
// /files/a/b"), the most specific first (more "/" in the name, then an
// exact name before a wildcard), then by priority, highest first. The
// first handler that returns something other than nil ends the event.
// Wrappers (add_wrapper) run around the whole call: those of the event's
// name, then the global ones (added for the event false), the one added
// last outermost.

// httpHook is one handler or wrapper.
type httpHook struct {
	inst     *Instance      // whose state runs it; nil for a built-in
	fn       *lua.LFunction // in inst's state
	builtin  func(ev *httpEvent) any
	priority float64
	seq      uint64 // order added, for equal scores
}

// httpEvents holds the handlers and wrappers by event name.
type httpEvents struct {
	mu       sync.Mutex
	handlers map[string][]*httpHook
	wrappers map[string][]*httpHook // "" holds the global ones
	seq      uint64
}

func newHTTPEvents() *httpEvents {
	return &httpEvents{handlers: map[string][]*httpHook{}, wrappers: map[string][]*httpHook{}}
}

func (e *httpEvents) add(table map[string][]*httpHook, name string, h *httpHook) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	h.seq = e.seq
	table[name] = append(table[name], h)
}

// remove drops inst's fn from name's list.
func (e *httpEvents) remove(table map[string][]*httpHook, name string, inst *Instance, fn *lua.LFunction) {
	e.mu.Lock()
	defer e.mu.Unlock()
	kept := table[name][:0:0]
	for _, h := range table[name] {
		if h.inst != inst || h.fn != fn {
			kept = append(kept, h)
		}
	}
	table[name] = kept
}

// dropInstance removes every handler and wrapper of inst (it stopped or
// was unloaded).
func (e *httpEvents) dropInstance(inst *Instance) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, table := range []map[string][]*httpHook{e.handlers, e.wrappers} {
		for name, hs := range table {
			kept := hs[:0:0]
			for _, h := range hs {
				if h.inst != inst {
					kept = append(kept, h)
				}
			}
			table[name] = kept
		}
	}
}

func isWildcardEvent(name string) bool { return strings.HasSuffix(name, "/*") }

// matching lists the handlers for event, most specific first.
func (e *httpEvents) matching(event string) []*httpHook {
	type scored struct {
		h              *httpHook
		slashes, exact int
	}
	var found []scored
	e.mu.Lock()
	for name, hs := range e.handlers {
		exact := 0
		switch {
		case name == event:
			exact = 1
		case isWildcardEvent(name) && strings.HasPrefix(event, strings.TrimSuffix(name, "*")):
		default:
			continue
		}
		for _, h := range hs {
			found = append(found, scored{h, strings.Count(name, "/"), exact})
		}
	}
	e.mu.Unlock()
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		switch {
		case a.slashes != b.slashes:
			return a.slashes > b.slashes
		case a.exact != b.exact:
			return a.exact > b.exact
		case a.h.priority != b.h.priority:
			return a.h.priority > b.h.priority
		}
		return a.h.seq < b.h.seq
	})
	out := make([]*httpHook, len(found))
	for i, s := range found {
		out[i] = s.h
	}
	return out
}

// chain lists the wrappers around event, outermost first.
func (e *httpEvents) chain(event string) []*httpHook {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*httpHook
	for _, name := range []string{event, ""} {
		hs := e.wrappers[name]
		for i := len(hs) - 1; i >= 0; i-- {
			out = append(out, hs[i])
		}
	}
	return out
}

// errHandlerFailed is what fire returns when a handler raised an error
// (already logged by its module).
var errHandlerFailed = errors.New("an HTTP handler failed")

// httpFiring is one firing of an event: the goroutine that fires it may
// already hold a state (held, and those up its chain of calls), where
// that state's handlers then run directly instead of waiting for it.
type httpFiring struct {
	events *httpEvents
	held   *Instance
}

// fire runs event's wrappers and handlers; the result is a Go value (nil,
// bool, float64, string or *value.Table, as the handler returned it).
func (c httpFiring) fire(event string, ev *httpEvent) (any, error) {
	return c.wrapped(c.events.chain(event), event, ev)
}

func (c httpFiring) wrapped(wrappers []*httpHook, event string, ev *httpEvent) (any, error) {
	if len(wrappers) == 0 {
		return c.handlers(event, ev)
	}
	w, rest := wrappers[0], wrappers[1:]
	return c.runIn(w, event, ev, func(inst *Instance) []lua.LValue {
		inner := inst.L.NewFunction(func(L *lua.LState) int {
			name := L.CheckString(1)
			next := ev.from(inst, L.Get(2))
			res, err := httpFiring{events: c.events, held: inst}.wrapped(rest, name, next)
			if err != nil {
				L.RaiseError("%v", err)
			}
			L.Push(toLuaResult(inst, res))
			return 1
		})
		return []lua.LValue{inner, lua.LString(event), ev.tableIn(inst)}
	})
}

// handlers runs the handlers of event until one returns non-nil.
func (c httpFiring) handlers(event string, ev *httpEvent) (any, error) {
	for _, h := range c.events.matching(event) {
		if h.builtin != nil {
			if res := h.builtin(ev); res != nil {
				return res, nil
			}
			continue
		}
		res, err := c.runIn(h, event, ev, func(inst *Instance) []lua.LValue {
			return []lua.LValue{ev.tableIn(inst)}
		})
		if err != nil || res != nil {
			return res, err
		}
	}
	return nil, nil
}

// runIn calls h's function in its own state with the arguments args
// makes there, and gives back its first result as a Go value.
func (c httpFiring) runIn(h *httpHook, event string, ev *httpEvent, args func(*Instance) []lua.LValue) (any, error) {
	var res any
	var err error
	run := func() {
		var out []lua.LValue
		out, err = h.inst.protect("HTTP handler of "+event, h.fn, 1, args(h.inst)...)
		if err != nil {
			err = errHandlerFailed
			return
		}
		res = fromLuaResult(h.inst, out[0])
	}
	if cerr := c.on(h.inst, run); cerr != nil {
		if h.inst.isStopped() {
			return nil, nil // stopped meanwhile: as if it were not there
		}
		return nil, cerr
	}
	return res, err
}

// on runs f holding inst: directly when this firing's goroutine holds it
// already (up the chain of calls, crossstate.go), else entering it within
// the time bound cross-state calls have, so two states waiting for each
// other give up instead of hanging.
func (c httpFiring) on(inst *Instance, f func()) error {
	var chain []*Instance
	if c.held != nil {
		chain = chainOf(c.held)
	}
	return within(c.held, chain, inst, f)
}

// fromLuaResult is a handler's result as Go sees it.
func fromLuaResult(inst *Instance, v lua.LValue) any {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(x)
	case lua.LNumber:
		return float64(x)
	case lua.LString:
		return string(x)
	case *lua.LUserData:
		switch r := x.Value.(type) {
		case httpError, httpPromise:
			return r // passed back by a wrapper (toLuaResult)
		}
	case *lua.LTable:
		if obj, ok := portableOf(inst.L, x); ok {
			return obj
		}
		if special, ok := specialResult(inst, x); ok {
			return special
		}
		if g, err := luaval.ToGo(x); err == nil {
			return g
		}
	}
	return local{inst: inst, v: v}
}

// toLuaResult is a result in inst's state, for the wrapper around it.
func toLuaResult(inst *Instance, v any) lua.LValue {
	if l, ok := v.(local); ok {
		if l.inst == inst {
			return l.v
		}
		return lua.LTrue
	}
	switch x := v.(type) {
	case portable:
		return x.proxyIn(inst)
	case httpPromise:
		if x.inst == inst {
			return x.p
		}
		return resultUserData(inst, v)
	case httpError:
		return resultUserData(inst, v)
	}
	return luaval.ToLua(inst.L, v)
}

// resultUserData carries a result Lua has no value for through a wrapper,
// which passes it back as it is (fromLuaResult).
func resultUserData(inst *Instance, v any) *lua.LUserData {
	ud := inst.L.NewUserData()
	ud.Value = v
	return ud
}
