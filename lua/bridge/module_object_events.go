package bridge

import lua "github.com/yuin/gopher-lua"

// module:hook_object_event, unhook_object_event and wrap_object_event:
// handlers on an events object other than the module's host (a
// util.events object, net.http.server or its _events), as Prosody's
// moduleapi has them. The object does the work (object.add_handler,
// remove_handler; wrappers through object.wrappers); the module keeps a
// list so that what it hooked is unhooked when it is unloaded or
// replaced, as Prosody does.

// objectHook is one handler a module added to an object.
type objectHook struct {
	object, event, fn lua.LValue
}

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"hook_object_event":   moduleHookObjectEvent,
		"unhook_object_event": moduleUnhookObjectEvent,
		"wrap_object_event":   moduleWrapObjectEvent,
	})
}

// moduleHookObjectEvent is module:hook_object_event(object, event,
// handler, priority): object.add_handler(event, handler, priority).
func moduleHookObjectEvent(L *lua.LState) int {
	return hookObject(L, L.Get(2))
}

// moduleWrapObjectEvent is module:wrap_object_event(object, event,
// wrapper): the wrapper goes on object.wrappers (event false: around
// every event).
func moduleWrapObjectEvent(L *lua.LState) int {
	wrappers := L.GetField(L.Get(2), "wrappers")
	if wrappers == lua.LNil {
		L.ArgError(2, "no wrappers: the object does not take wrappers")
	}
	return hookObject(L, wrappers)
}

func hookObject(L *lua.LState, object lua.LValue) int {
	inst := instanceOf(L)
	event, fn, priority := L.Get(3), L.CheckFunction(4), L.Get(5)
	add := L.GetField(object, "add_handler")
	if add == lua.LNil {
		L.ArgError(2, "expected an events object (with add_handler)")
	}
	inst.objectHooks = append(inst.objectHooks, objectHook{object: object, event: event, fn: fn})
	L.Push(add)
	L.Push(event)
	L.Push(fn)
	L.Push(priority)
	L.Call(3, 1)
	return 1
}

// moduleUnhookObjectEvent is module:unhook_object_event(object, event,
// handler): object.remove_handler(event, handler).
func moduleUnhookObjectEvent(L *lua.LState) int {
	inst := instanceOf(L)
	object, event, fn := L.Get(2), L.Get(3), L.Get(4)
	kept := inst.objectHooks[:0]
	for _, h := range inst.objectHooks {
		if !(h.object == object && h.event == event && h.fn == fn) {
			kept = append(kept, h)
		}
	}
	inst.objectHooks = kept
	remove := L.GetField(object, "remove_handler")
	if remove == lua.LNil {
		L.ArgError(2, "expected an events object (with remove_handler)")
	}
	L.Push(remove)
	L.Push(event)
	L.Push(fn)
	L.Call(2, 1)
	return 1
}

// unhookObjects removes what the module hooked on objects (it is being
// unloaded); the caller holds the state. An object that fails to remove
// one is logged and the rest still go.
func (inst *Instance) unhookObjects() {
	hooks := inst.objectHooks
	inst.objectHooks = nil
	for i := len(hooks) - 1; i >= 0; i-- {
		h := hooks[i]
		remove := inst.L.GetField(h.object, "remove_handler")
		if remove != lua.LNil {
			_, _ = inst.protect("unhook_object_event at unload", remove, 0, h.event, h.fn)
		}
	}
	inst.rt.httpSrv.events.dropInstance(inst)
}
