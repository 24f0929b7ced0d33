package bridge

import (
	"path"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
)

// moduleMethods are the methods of the module object (module:name(...)),
// Prosody's core/moduleapi.lua. Each finds its instance with instanceOf;
// the get_option family is in module_options.go, provides in
// module_load.go, shared in shared.go. It is filled in by init, as
// module:depends leads back to making module objects. Files that add
// methods of a theme of their own (events, items, …) register them with
// registerModuleMethods from their init.
var moduleMethods map[string]lua.LGFunction

// registerModuleMethods adds methods to the module object. A name
// registered twice is a programming error, found at startup.
func registerModuleMethods(funcs map[string]lua.LGFunction) {
	if moduleMethods == nil {
		moduleMethods = map[string]lua.LGFunction{}
	}
	for name, fn := range funcs {
		if _, dup := moduleMethods[name]; dup {
			panic("bridge: module method " + name + " registered twice")
		}
		moduleMethods[name] = fn
	}
}

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"get_name":           moduleGetName,
		"get_host":           moduleGetHost,
		"get_host_type":      moduleGetHostType,
		"get_directory":      moduleGetDirectory,
		"set_global":         moduleSetGlobal,
		"log":                moduleLog,
		"get_option":         moduleGetOption,
		"get_option_scalar":  moduleGetOptionScalar,
		"get_option_string":  moduleGetOptionString,
		"get_option_number":  moduleGetOptionNumber,
		"get_option_boolean": moduleGetOptionBoolean,
		"get_option_array":   moduleGetOptionArray,
		"get_option_set":     moduleGetOptionSet,
		"provides":           moduleProvides,
		"add_timer":          moduleAddTimer,
		"depends":            moduleDepends,
		"shared":             moduleShared,
	})
}

// newModuleObject makes the instance's global `module`: its name, host
// and path as fields, the methods through its metatable.
func (inst *Instance) newModuleObject() *lua.LTable {
	L := inst.L
	m := L.NewTable()
	m.RawSetString("name", lua.LString(inst.Name))
	m.RawSetString("host", lua.LString(inst.Host))
	m.RawSetString("path", lua.LString(inst.Path))
	methods := L.SetFuncs(L.NewTable(), moduleMethods, inst.ud)
	fallback := L.NewTable()
	fallback.RawSetString("__index", L.NewClosure(missingMethod, inst.ud))
	L.SetMetatable(methods, fallback)
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	L.SetMetatable(m, mt)
	return m
}

// hostOf is the host a method call is for: that of the module object it
// was called on, which for a global module's add_host is the host being
// added (Instance.hostModule), else the instance's.
func hostOf(L *lua.LState, inst *Instance) string {
	if t, ok := L.Get(1).(*lua.LTable); ok {
		if h, ok := t.RawGetString("host").(lua.LString); ok {
			return string(h)
		}
	}
	return inst.Host
}

func moduleGetName(L *lua.LState) int {
	L.Push(lua.LString(instanceOf(L).Name))
	return 1
}

func moduleGetHost(L *lua.LState) int {
	L.Push(lua.LString(hostOf(L, instanceOf(L))))
	return 1
}

func moduleGetDirectory(L *lua.LState) int {
	L.Push(lua.LString(path.Dir(instanceOf(L).Path)))
	return 1
}

// moduleSetGlobal is module:set_global(): the module acts on host "*".
func moduleSetGlobal(L *lua.LState) int {
	inst := instanceOf(L)
	inst.Host = "*"
	inst.module.RawSetString("host", lua.LString("*"))
	inst.module.RawSetString("global", lua.LTrue)
	inst.log = inst.log.WithField("host", "*")
	inst.errs.setLog(inst.log)
	return 0
}

// moduleGetHostType is module:get_host_type(): "global", "component" or
// "local".
func moduleGetHostType(L *lua.LState) int {
	host := hostOf(L, instanceOf(L))
	sec := instanceOf(L).snap.Load().Host(host)
	switch {
	case host == "*":
		L.Push(lua.LString("global"))
	case sec != nil && sec.Kind == config.Component:
		L.Push(lua.LString("component"))
	default:
		L.Push(lua.LString("local"))
	}
	return 1
}

// format is Prosody's lenient string.format: missing or nil arguments
// print as "nil" instead of raising an error.
func format(L *lua.LState, start int) string {
	msg := L.OptString(start, "")
	n := L.GetTop()
	if n <= start {
		return msg
	}
	args := make([]lua.LValue, 0, n-start+1)
	args = append(args, lua.LString(msg))
	for i := start + 1; i <= n; i++ {
		v := L.Get(i)
		switch v.(type) {
		case lua.LString, lua.LNumber:
			args = append(args, v)
		default:
			args = append(args, lua.LString(L.ToStringMeta(v).String()))
		}
	}
	for strings.Count(msg, "%")-2*strings.Count(msg, "%%") > len(args)-1 {
		args = append(args, lua.LString("nil"))
	}
	fn := L.GetField(L.GetGlobal("string"), "format")
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...); err != nil {
		return msg
	}
	out := L.Get(-1).String()
	L.Pop(1)
	return out
}

// moduleLog is module:log(level, fmt, ...).
func moduleLog(L *lua.LState) int {
	instanceOf(L).logAt(L.CheckString(2), format(L, 3))
	return 0
}

// logAt logs msg at a Prosody level name; other names log at info with
// the name as a field.
func (inst *Instance) logAt(level, msg string) {
	switch level {
	case "debug":
		inst.log.Debug(msg)
	case "info":
		inst.log.Info(msg)
	case "warn":
		inst.log.Warn(msg)
	case "error":
		inst.log.Error(msg)
	default:
		inst.log.WithField("level", level).Info(msg)
	}
}

// moduleAddTimer is module:add_timer(delay, fn, ...): fn(now, ...) after
// delay seconds (see addTimer).
func moduleAddTimer(L *lua.LState) int {
	inst := instanceOf(L)
	delay := float64(L.CheckNumber(2))
	fn := L.CheckFunction(3)
	var args []lua.LValue
	for i := 4; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	L.Push(inst.addTimer(L, delay, fn, args))
	return 1
}

// moduleDepends is module:depends(name): it loads another module on the
// same host (a global one is shared: the host is added to it), through the
// loader this module was loaded by. A module in modules_disabled is an
// error, as in Prosody. It returns the module's environment
// (depends_env.go).
func moduleDepends(L *lua.LState) int {
	inst := instanceOf(L)
	name := L.CheckString(2)
	host := hostOf(L, inst)
	if disabledFor(inst.snap.Load(), host, name) {
		L.RaiseError("Dependency on disabled module mod_%s", name)
	}
	ld := inst.home
	ld.hold(inst, 1)
	dep, err := ld.load(moduleRef{name: name, host: host, via: chainOf(inst)})
	ld.hold(inst, -1)
	if err != nil {
		// A dependency that is an XMPP module makes this one XMPP-only
		// too (mod_csi_battery_saver on mod_csi): skipped, not an error.
		if xmppOnly(name, err) && inst.needsXMPP == "" {
			inst.needsXMPP = "mod_" + name
		}
		L.RaiseError("module:depends(%q): %v", name, err)
	}
	dep.viaDepends = true
	L.Push(dependsEnv(inst, dep))
	return 1
}
