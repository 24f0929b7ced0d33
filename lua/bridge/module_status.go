package bridge

import (
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// A module's status, as Prosody 0.12's module:set_status keeps it: a
// type (error, warn, info, core) and a message, which the console reads
// (Instance.Status). A module sets it when something about it needs an
// operator's eye (a certificate missing, a port in use).

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"set_status": moduleSetStatus,
		"get_status": moduleGetStatus,
		"log_status": moduleLogStatus,
	})
}

// statusPriority ranks status types: an error is only replaced by an
// error unless the caller overrides.
var statusPriority = map[string]int{"error": 3, "warn": 2, "info": 1, "core": 0}

// moduleStatus is a module's status; the console reads it from other
// goroutines.
type moduleStatus struct {
	mu       sync.Mutex
	typ, msg string
	at       time.Time
}

// Status is the module's status type ("" when none was set), message
// and when it was set.
func (inst *Instance) Status() (typ, msg string, at time.Time) {
	inst.status.mu.Lock()
	defer inst.status.mu.Unlock()
	return inst.status.typ, inst.status.msg, inst.status.at
}

// moduleSetStatus is module:set_status(type, message, override): it sets
// the status unless a more urgent one stands (an error stays unless
// override is true; override false keeps any more urgent one), and fires
// module-status/updated.
func moduleSetStatus(L *lua.LState) int {
	inst := instanceOf(L)
	typ, msg := L.CheckString(2), L.OptString(3, "")
	override := L.Get(4)
	prio, ok := statusPriority[typ]
	if !ok {
		inst.log.Errorf("set_status: Invalid status type '%s', assuming 'info'", typ)
		typ, prio = "info", statusPriority["info"]
	}
	st := &inst.status
	st.mu.Lock()
	current := statusPriority[st.typ]
	if (current >= statusPriority["error"] && prio < current && override != lua.LTrue) ||
		(override == lua.LFalse && current > prio) {
		st.mu.Unlock()
		inst.log.Debugf("ignoring status %s (a more urgent %s stands): %s", typ, st.typ, msg)
		return 0
	}
	st.typ, st.msg, st.at = typ, msg, time.Now()
	st.mu.Unlock()
	inst.module.RawSetString("status_type", lua.LString(typ))
	inst.module.RawSetString("status_message", lua.LString(msg))
	inst.module.RawSetString("status_time", lua.LNumber(float64(st.at.UnixNano())/1e9))
	data := L.NewTable()
	data.RawSetString("name", lua.LString(inst.Name))
	L.CallByParam(lua.P{Fn: L.GetField(L.Get(1), "fire_event"), NRet: 0, Protect: false}, L.Get(1), lua.LString("module-status/updated"), data)
	return 0
}

// moduleGetStatus is module:get_status(): type, message and time (Unix
// seconds), or nothing before any was set.
func moduleGetStatus(L *lua.LState) int {
	typ, msg, at := instanceOf(L).Status()
	if typ == "" {
		return 0
	}
	L.Push(lua.LString(typ))
	L.Push(lua.LString(msg))
	L.Push(lua.LNumber(float64(at.UnixNano()) / 1e9))
	return 3
}

// moduleLogStatus is module:log_status(level, fmt, ...): set_status with
// the formatted message, then log it at that level.
func moduleLogStatus(L *lua.LState) int {
	level := L.CheckString(2)
	msg := format(L, 3)
	L.CallByParam(lua.P{Fn: L.GetField(L.Get(1), "set_status"), NRet: 0, Protect: false}, L.Get(1), lua.LString(level), lua.LString(msg))
	instanceOf(L).logAt(level, msg)
	return 0
}
