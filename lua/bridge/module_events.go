package bridge

import (
	"errors"
	"sort"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Events: each host has a bus (and "*" the global one, prosody.events)
// that the instances of every Lua state hook, as Prosody's util.events
// objects are shared by every module in its single state. A handler runs
// in the state of the instance that hooked it; the event's data reaches
// it copied (crossstate.go), so changes a handler in another state makes
// to the data are its own, but for the top-level fields it sets to a
// boolean, number, string or nil (event_writeback.go). Handlers run by priority, higher first; the
// first non-nil result ends the event and is what fire_event returns.
// Wrappers (util.events add_wrapper) run around the handlers, the last
// added outermost, the event's own before the global ones.

// handler is a function of inst's state hooked on a bus.
type handler struct {
	inst *Instance
	fn   *lua.LFunction
	prio float64
	seq  uint64 // order added, between equal priorities
}

type bus struct {
	handlers map[string][]handler // by event, highest priority first
	wrappers map[string][]handler // by event, in the order added
	global   []handler            // wrappers of every event
}

// eventBuses are the buses by host.
type eventBuses struct {
	mu    sync.Mutex
	hosts map[string]*bus
	seq   uint64
}

func newEventBuses() *eventBuses { return &eventBuses{hosts: map[string]*bus{}} }

// add hooks fn of inst; hooking the same function again changes its
// priority (util.events keeps one entry per function).
func (e *eventBuses) add(host, event string, inst *Instance, fn *lua.LFunction, prio float64, wrapper bool) {
	if inst.copyOf != nil {
		return // a worker copy's hooks would run every event twice
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	e.set(host, event, wrapper, func(hs []handler) []handler {
		hs = without(hs, func(h handler) bool { return h.inst == inst && h.fn == fn })
		hs = append(hs, handler{inst: inst, fn: fn, prio: prio, seq: e.seq})
		if !wrapper {
			sort.SliceStable(hs, func(i, j int) bool { return hs[i].prio > hs[j].prio })
		}
		return hs
	})
}

// set replaces one list of host's bus by what change makes of it; the
// caller holds mu.
func (e *eventBuses) set(host, event string, wrapper bool, change func([]handler) []handler) {
	b := e.hosts[host]
	if b == nil {
		b = &bus{handlers: map[string][]handler{}, wrappers: map[string][]handler{}}
		e.hosts[host] = b
	}
	switch {
	case !wrapper:
		b.handlers[event] = change(b.handlers[event])
	case event == "":
		b.global = change(b.global)
	default:
		b.wrappers[event] = change(b.wrappers[event])
	}
}

// without is hs less the entries drop picks, in a new slice (firing
// events read the old one unlocked).
func without(hs []handler, drop func(handler) bool) []handler {
	out := make([]handler, 0, len(hs))
	for _, h := range hs {
		if !drop(h) {
			out = append(out, h)
		}
	}
	return out
}

func (e *eventBuses) remove(host, event string, inst *Instance, fn *lua.LFunction, wrapper bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set(host, event, wrapper, func(hs []handler) []handler {
		return without(hs, func(h handler) bool { return h.inst == inst && h.fn == fn })
	})
}

// drop unhooks everything inst hooked, on every bus.
func (e *eventBuses) drop(inst *Instance) {
	mine := func(h handler) bool { return h.inst == inst }
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.hosts {
		for k, hs := range b.handlers {
			b.handlers[k] = without(hs, mine)
		}
		for k, hs := range b.wrappers {
			b.wrappers[k] = without(hs, mine)
		}
		b.global = without(b.global, mine)
	}
}

// of is what an event fired by from runs: its wrappers (the global ones
// first, the last added at the end) and handlers. Instances a reload has
// not committed yet or holds since their save are passed by, except the
// firing one itself.
func (e *eventBuses) of(host, event string, from *Instance) (wrappers, handlers []handler) {
	e.mu.Lock()
	b := e.hosts[host]
	if b != nil {
		wrappers = append(append(wrappers, b.global...), b.wrappers[event]...)
		handlers = b.handlers[event]
	}
	e.mu.Unlock()
	reach := func(h handler) bool { return h.inst != from && (!h.inst.live.Load() || h.inst.frozen.Load()) }
	return without(wrappers, reach), without(handlers, reach)
}

// fire runs event on host's bus with the arguments a (the event's data);
// the result is in a.from's state, or exported when Go fired it.
func (rt *Runtime) fire(host, event string, a *argv) ([]lua.LValue, []any) {
	ws, hs := rt.events.of(host, event, a.from)
	return rt.fireWrapped(host, event, ws, hs, a)
}

// fireWrapped calls the outermost wrapper left with a function that goes
// on to the next (in the caller's state), or, with none left, the
// handlers.
func (rt *Runtime) fireWrapped(host, event string, ws, hs []handler, a *argv) ([]lua.LValue, []any) {
	if len(ws) == 0 {
		return rt.fireHandlers(event, hs, a)
	}
	w, rest := ws[len(ws)-1], ws[:len(ws)-1]
	next := func(self *Instance) lua.LValue {
		return self.L.NewFunction(func(L *lua.LState) int {
			name := L.CheckString(1)
			if name != event {
				_, hs = rt.events.of(host, name, self)
			}
			res, _ := rt.fireWrapped(host, name, rest, hs, &argv{from: self, local: []lua.LValue{L.Get(2)}})
			L.Push(first(res))
			return 1
		})
	}
	call := &argv{x: []any{xmake(next), event, nil}}
	if a.from != nil {
		call = &argv{from: a.from, local: []lua.LValue{next(a.from), lua.LString(event), first(a.local)}}
	} else if len(a.x) > 0 {
		call.x[2] = a.x[0]
	}
	return rt.handle(call, w, "wrapper of event "+event)
}

// fireHandlers calls the handlers in turn until one returns non-nil; what
// one in another state sets at the top of the data is written back
// (event_writeback.go).
func (rt *Runtime) fireHandlers(event string, hs []handler, a *argv) ([]lua.LValue, []any) {
	for _, h := range hs {
		var changes []fieldChange
		watched := h.inst != a.from && a.watchEventData(&changes)
		local, x := rt.handle(a, h, "handler of event "+event)
		if watched {
			a.writeBack(changes)
		}
		if local != nil || x != nil {
			return local, x
		}
	}
	return nil, nil
}

// handle calls one handler or wrapper: its first result, if not nil.
func (rt *Runtime) handle(a *argv, h handler, what string) ([]lua.LValue, []any) {
	local, x, err := a.callIn(h.inst, h.fn, what)
	var ce *crossError
	if errors.As(err, &ce) {
		h.inst.log.Errorf("%s: %v", what, err)
	}
	if len(local) > 0 && local[0] != lua.LNil {
		return local[:1], nil
	}
	if len(x) > 0 && x[0] != nil {
		return nil, x[:1]
	}
	return nil, nil
}

func first(vs []lua.LValue) lua.LValue {
	if len(vs) == 0 {
		return lua.LNil
	}
	return vs[0]
}

// FireEvent fires event on host's bus ("*": the global one) from Go; data
// is copied into the state of each handler.
func (rt *Runtime) FireEvent(host, event string, data map[string]any) {
	if host == "*" && event == "server-started" {
		rt.startedOnce.Do(func() { close(rt.started) }) // core.modulemanager may change modules now
	}
	rt.fire(host, event, goEvent(data))
}

// goEvent is an event's data from Go, made as a table in each state.
func goEvent(data map[string]any) *argv {
	return &argv{x: []any{xmake(func(inst *Instance) lua.LValue {
		t := inst.L.NewTable()
		for k, v := range data {
			t.RawSetString(k, toLua(inst.L, v))
		}
		return t
	})}}
}

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"hook":        moduleHook,
		"unhook":      moduleUnhook,
		"hook_global": moduleHookGlobal,
		"fire_event":  moduleFireEvent,
		"wrap_event":  moduleWrapEvent,
		"wrap_global": moduleWrapGlobal,
	})
}

// moduleHook is module:hook(event, fn, priority) on the module's host
// (that of the module object: a global module's add_host one hooks that
// host).
func moduleHook(L *lua.LState) int {
	inst := instanceOf(L)
	inst.rt.events.add(hostOf(L, inst), L.CheckString(2), inst, L.CheckFunction(3), float64(L.OptNumber(4, 0)), false)
	return 0
}

// moduleHookGlobal is module:hook_global(event, fn, priority).
func moduleHookGlobal(L *lua.LState) int {
	inst := instanceOf(L)
	inst.rt.events.add("*", L.CheckString(2), inst, L.CheckFunction(3), float64(L.OptNumber(4, 0)), false)
	return 0
}

// moduleUnhook is module:unhook(event, fn).
func moduleUnhook(L *lua.LState) int {
	inst := instanceOf(L)
	inst.rt.events.remove(hostOf(L, inst), L.CheckString(2), inst, L.CheckFunction(3), false)
	return 0
}

// moduleWrapEvent is module:wrap_event(event, wrapper).
func moduleWrapEvent(L *lua.LState) int {
	inst := instanceOf(L)
	inst.rt.events.add(hostOf(L, inst), L.CheckString(2), inst, L.CheckFunction(3), 0, true)
	return 0
}

// moduleWrapGlobal is module:wrap_global(event, wrapper): a wrapper on
// the global events (Prosody 0.12's adds it as a handler, by mistake).
func moduleWrapGlobal(L *lua.LState) int {
	inst := instanceOf(L)
	inst.rt.events.add("*", L.CheckString(2), inst, L.CheckFunction(3), 0, true)
	return 0
}

// moduleFireEvent is module:fire_event(event, data) on the module's host:
// every instance's handlers, this one's with the data itself.
func moduleFireEvent(L *lua.LState) int {
	inst := instanceOf(L)
	res, _ := inst.rt.fire(hostOf(L, inst), L.CheckString(2), &argv{from: inst, local: []lua.LValue{L.Get(3)}})
	L.Push(first(res))
	return 1
}

// eventsObject is host's bus ("*": the global one) as a util.events-like
// object in the instance's state, for prosody.events and
// hosts[host].events: fire_event, add_handler, remove_handler,
// add_wrapper, remove_wrapper (event name false: every event's) and
// wrappers (add_handler/remove_handler adding wrappers). What the
// instance adds through it goes when the instance stops. The caller
// holds the state.
func (inst *Instance) eventsObject(host string) lua.LValue {
	L, e := inst.L, inst.rt.events
	// A wrapper's event name false is every event's ("" here).
	name := func(L *lua.LState, wrapper bool) string {
		if wrapper && L.Get(1) == lua.LFalse {
			return ""
		}
		return L.CheckString(1)
	}
	adder := func(wrapper bool) lua.LGFunction {
		return func(L *lua.LState) int {
			e.add(host, name(L, wrapper), inst, L.CheckFunction(2), float64(L.OptNumber(3, 0)), wrapper)
			return 0
		}
	}
	remover := func(wrapper bool) lua.LGFunction {
		return func(L *lua.LState) int {
			e.remove(host, name(L, wrapper), inst, L.CheckFunction(2), wrapper)
			return 0
		}
	}
	t := L.NewTable()
	t.RawSetString("fire_event", L.NewFunction(func(L *lua.LState) int {
		res, _ := inst.rt.fire(host, L.CheckString(1), &argv{from: inst, local: []lua.LValue{L.Get(2)}})
		L.Push(first(res))
		return 1
	}))
	t.RawSetString("add_handler", L.NewFunction(adder(false)))
	t.RawSetString("remove_handler", L.NewFunction(remover(false)))
	t.RawSetString("add_wrapper", L.NewFunction(adder(true)))
	t.RawSetString("remove_wrapper", L.NewFunction(remover(true)))
	w := L.NewTable()
	w.RawSetString("add_handler", t.RawGetString("add_wrapper"))
	w.RawSetString("remove_handler", t.RawGetString("remove_wrapper"))
	t.RawSetString("wrappers", w)
	return t
}
