package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// boot runs the module's file with `module` set, then module.load.
func (inst *Instance) boot(src []byte, saved any) error {
	L := inst.L
	registerConnType(L)
	inst.module = inst.newModuleObject()
	L.SetGlobal("module", inst.module)
	inst.installRequire()
	fn, err := L.Load(bytes.NewReader(src), inst.Path)
	if err != nil {
		return errors.New(luaval.SyntaxMessage(inst.Path, err))
	}
	if _, err := inst.protect("module body", fn, 0); err != nil {
		return err
	}
	if load := inst.module.RawGetString("load"); load != lua.LNil {
		if _, err := inst.protect("module.load", load, 0); err != nil {
			return err
		}
	}
	if restore := inst.module.RawGetString("restore"); restore != lua.LNil && saved != nil {
		if _, err := inst.protect("module.restore", restore, 0, inst.toLua(saved)); err != nil {
			return err
		}
	}
	return nil
}

// save calls module.save() and copies what it returns out of the state;
// connections in it travel as references.
func (inst *Instance) save() any {
	var out any
	inst.call(func() {
		fn := inst.module.RawGetString("save")
		if fn == lua.LNil {
			return
		}
		res, err := inst.protect("module.save", fn, 1)
		if err != nil || len(res) == 0 {
			return
		}
		v, err := luaval.ToGo(res[0])
		if err != nil {
			inst.log.Errorf("module.save: %v; the new instance starts without saved state", err)
			return
		}
		out = v
	})
	return out
}

// toLua builds a value in this state, turning connection references back
// into this state's objects for the same connections.
func (inst *Instance) toLua(v any) lua.LValue {
	return luaval.ToLuaWith(inst.L, v, func(r luaval.Ref) lua.LValue {
		if r.Kind != "conn" || inst.rt.opts.Server == nil {
			return lua.LNil
		}
		for _, c := range inst.rt.opts.Server.Conns() {
			if c.ID == r.ID {
				var listener *lua.LTable
				if svc := findService(inst.services, c.Service); svc != nil {
					listener = svc.handlers[0].listener
				}
				return inst.wrap(c, listener).ud
			}
		}
		return lua.LNil
	})
}

func (inst *Instance) unloadHook() {
	for t := range inst.timers {
		t.stop()
	}
	if u := inst.module.RawGetString("unload"); u != lua.LNil {
		_, _ = inst.protect("module.unload", u, 0)
	}
}

func (inst *Instance) newModuleObject() *lua.LTable {
	L := inst.L
	m := L.NewTable()
	m.RawSetString("name", lua.LString(inst.Name))
	m.RawSetString("host", lua.LString(inst.Host))
	m.RawSetString("path", lua.LString(inst.Path))
	api := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"get_name":           func(L *lua.LState) int { L.Push(lua.LString(inst.Name)); return 1 },
		"get_host":           func(L *lua.LState) int { L.Push(m.RawGetString("host")); return 1 },
		"get_host_type":      inst.apiHostType,
		"get_directory":      func(L *lua.LState) int { L.Push(lua.LString(path.Dir(inst.Path))); return 1 },
		"set_global":         func(L *lua.LState) int { inst.Host = "*"; m.RawSetString("host", lua.LString("*")); return 0 },
		"log":                inst.apiLog,
		"get_option":         inst.apiGetOption,
		"get_option_scalar":  inst.apiGetOptionScalar,
		"get_option_string":  inst.apiGetOptionString,
		"get_option_number":  inst.apiGetOptionNumber,
		"get_option_boolean": inst.apiGetOptionBoolean,
		"get_option_array":   inst.apiGetOptionArray,
		"get_option_set":     inst.apiGetOptionSet,
		"provides":           inst.apiProvides,
		"hook":               inst.apiHook,
		"unhook":             inst.apiUnhook,
		"fire_event":         inst.apiFireEvent,
		"add_timer":          inst.apiAddTimer,
		"depends":            inst.apiDepends,
		"shared":             inst.apiShared,
	})
	mt := L.NewTable()
	mt.RawSetString("__index", api)
	L.SetMetatable(m, mt)
	return m
}

func (inst *Instance) apiHostType(L *lua.LState) int {
	switch {
	case inst.Host == "*":
		L.Push(lua.LString("global"))
	case inst.snap.Load().Host(inst.Host) != nil && inst.snap.Load().Host(inst.Host).Module != "":
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

func (inst *Instance) apiLog(L *lua.LState) int {
	level := L.CheckString(2)
	msg := format(L, 3)
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
	return 0
}

func (inst *Instance) option(name string) any {
	return inst.snap.Load().Value(inst.Host, name)
}

func (inst *Instance) apiGetOption(L *lua.LState) int {
	v := inst.option(L.CheckString(2))
	if v == nil {
		L.Push(L.Get(3))
		return 1
	}
	L.Push(luaval.ToLua(L, v))
	return 1
}

func (inst *Instance) scalar(L *lua.LState) lua.LValue {
	name := L.CheckString(2)
	v := inst.option(name)
	if v == nil {
		return L.Get(3)
	}
	if t, ok := v.(*value.Table); ok {
		if len(t.Array) == 1 && len(t.Hash) == 0 {
			return luaval.ToLua(L, t.Array[0])
		}
		inst.log.Errorf("Config option '%s' does not take a list", name)
		return lua.LNil
	}
	return luaval.ToLua(L, v)
}

func (inst *Instance) apiGetOptionScalar(L *lua.LState) int {
	L.Push(inst.scalar(L))
	return 1
}

func (inst *Instance) apiGetOptionString(L *lua.LState) int {
	v := inst.scalar(L)
	if v == lua.LNil {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(L.ToStringMeta(v).String()))
	}
	return 1
}

func (inst *Instance) apiGetOptionNumber(L *lua.LState) int {
	v := inst.scalar(L)
	switch x := v.(type) {
	case lua.LNumber:
		L.Push(x)
	case lua.LString:
		n, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		if err != nil {
			inst.log.Errorf("Config option '%s' not understood, expecting a number", L.CheckString(2))
			L.Push(lua.LNil)
		} else {
			L.Push(lua.LNumber(n))
		}
	case *lua.LNilType:
		L.Push(lua.LNil)
	default:
		inst.log.Errorf("Config option '%s' not understood, expecting a number", L.CheckString(2))
		L.Push(lua.LNil)
	}
	return 1
}

func (inst *Instance) apiGetOptionBoolean(L *lua.LState) int {
	v := inst.scalar(L)
	switch v {
	case lua.LTrue, lua.LString("true"), lua.LNumber(1):
		L.Push(lua.LTrue)
	case lua.LFalse, lua.LString("false"), lua.LNumber(0):
		L.Push(lua.LFalse)
	case lua.LNil:
		L.Push(lua.LNil)
	default:
		inst.log.Errorf("Config option '%s' not understood, expecting true/false", L.CheckString(2))
		L.Push(lua.LNil)
	}
	return 1
}

func (inst *Instance) array(L *lua.LState) *lua.LTable {
	v := inst.option(L.CheckString(2))
	var lv lua.LValue
	if v == nil {
		lv = L.Get(3)
	} else {
		lv = luaval.ToLua(L, v)
	}
	switch x := lv.(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		out := L.NewTable()
		for i := 1; i <= x.Len(); i++ {
			out.Append(x.RawGetInt(i))
		}
		return out
	default:
		out := L.NewTable()
		out.Append(x)
		return out
	}
}

func (inst *Instance) apiGetOptionArray(L *lua.LState) int {
	if t := inst.array(L); t != nil {
		L.Push(t)
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// apiGetOptionSet returns a set: the items as keys mapped to true, with
// Prosody's util.set methods (contains, items, add, remove, empty).
func (inst *Instance) apiGetOptionSet(L *lua.LState) int {
	t := inst.array(L)
	if t == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(newSet(L, t))
	return 1
}

func newSet(L *lua.LState, items *lua.LTable) *lua.LTable {
	s := L.NewTable()
	data := L.NewTable()
	items.ForEach(func(_, v lua.LValue) { data.RawSet(v, lua.LTrue) })
	s.RawSetString("_items", data)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"contains": func(L *lua.LState) int { L.Push(lua.LBool(data.RawGet(L.Get(2)) != lua.LNil)); return 1 },
		"add":      func(L *lua.LState) int { data.RawSet(L.Get(2), lua.LTrue); return 0 },
		"remove":   func(L *lua.LState) int { data.RawSet(L.Get(2), lua.LNil); return 0 },
		"empty":    func(L *lua.LState) int { k, _ := data.Next(lua.LNil); L.Push(lua.LBool(k == lua.LNil)); return 1 },
		"items": func(L *lua.LState) int {
			var key lua.LValue = lua.LNil
			L.Push(L.NewFunction(func(L *lua.LState) int {
				k, _ := data.Next(key)
				key = k
				L.Push(k)
				return 1
			}))
			return 1
		},
	})
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	L.SetMetatable(s, mt)
	return s
}

// apiProvides is module:provides(kind, item). "net" items become services.
func (inst *Instance) apiProvides(L *lua.LState) int {
	kind := L.CheckString(2)
	item, ok := L.Get(3).(*lua.LTable)
	if !ok {
		item = L.NewTable()
		L.GetGlobal("_G").(*lua.LTable).ForEach(func(k, v lua.LValue) {
			if k.String() != "module" {
				item.RawSet(k, v)
			}
		})
	}
	if name, ok := item.RawGetString("name").(lua.LString); !ok || name == "" {
		n := inst.Name
		if prefix := strings.ReplaceAll(kind, "-", "_") + "_"; strings.HasPrefix(n, prefix) {
			n = n[len(prefix):]
		}
		item.RawSetString("name", lua.LString(n))
	}
	item.RawSetString("_provided_by", lua.LString(inst.Name))
	if kind == "http" {
		if err := inst.addHTTP(item); err != nil {
			L.RaiseError("module:provides(\"http\"): %v", err)
		}
		return 0
	}
	if kind != "net" {
		return 0
	}
	svc, err := inst.netService(item)
	if err != nil {
		L.RaiseError("module:provides(\"net\"): %v", err)
	}
	if err := inst.addService(svc); err != nil {
		L.RaiseError("module:provides(\"net\"): %v", err)
	}
	return 0
}

func (inst *Instance) netService(item *lua.LTable) (*NetService, error) {
	name := item.RawGetString("name").String()
	listener, ok := item.RawGetString("listener").(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("service '%s' has no listener table", name)
	}
	svc := ports.Service{Name: name, Module: inst.Name, Host: inst.Host}
	if p, ok := item.RawGetString("config_prefix").(lua.LString); ok {
		svc.ConfigPrefix, svc.PrefixSet = string(p), true
	}
	switch t := item.RawGetString("transport").(type) {
	case *lua.LNilType:
	case lua.LString:
		var ok bool
		if svc.Transport, ok = ports.ParseTransport(string(t)); !ok {
			return nil, fmt.Errorf("service '%s': transport = %q: expected \"tcp\" or \"udp\"", name, string(t))
		}
	}
	svc.Private = lua.LVAsBool(item.RawGetString("private"))
	if e, ok := item.RawGetString("encryption").(lua.LString); ok {
		var ok bool
		if svc.Encryption, ok = ports.ParseEncryption(string(e)); !ok {
			return nil, fmt.Errorf("service '%s': encryption = %q: expected \"ssl\" (direct TLS) or \"starttls\"", name, string(e))
		}
	}
	var sslConfig *value.Table
	if t, ok := item.RawGetString("ssl_config").(*lua.LTable); ok {
		var err error
		if sslConfig, err = inst.sslConfig(t, strings.TrimSuffix(inst.L.Where(1), ":")); err != nil {
			return nil, fmt.Errorf("service '%s': ssl_config: %v", name, err)
		}
	}
	defaults := item.RawGetString("default_ports")
	if defaults == lua.LNil {
		defaults = item.RawGetString("default_port")
	}
	if defaults == lua.LNil {
		defaults = listener.RawGetString("default_port")
	}
	gv, _ := luaval.ToGo(defaults)
	for _, p := range value.List(gv) {
		n, ok := p.(float64)
		if !ok || n < 1 || n > 65535 || n != float64(int(n)) {
			return nil, fmt.Errorf("service '%s': default port %s is not a port number", name, value.Format(p))
		}
		svc.DefaultPorts = append(svc.DefaultPorts, int(n))
	}
	workers, err := inst.workers(name, item.RawGetString("workers"))
	if err != nil {
		return nil, err
	}
	h := &connHandler{inst: inst, listener: listener, drain: listener.RawGetString("ondrain") != lua.LNil}
	readSize := inst.rt.network.Load().ReadSize
	if mode := listener.RawGetString("default_mode"); mode != lua.LNil {
		gm, _ := luaval.ToGo(mode)
		m, err := listen.ParseMode(gm, readSize)
		if err != nil {
			return nil, fmt.Errorf("service '%s': default_mode: %v", name, err)
		}
		h.mode, h.hasMode = m, true
	}
	word, _ := item.RawGetString("serve").(lua.LString)
	serve, ok := ports.ParseServe(string(word))
	if !ok {
		return nil, fmt.Errorf("service '%s': serve = %q: expected \"http\", or nothing for the listener callbacks", name, string(word))
	}
	var multiplex *value.Table
	if t, ok := item.RawGetString("multiplex").(*lua.LTable); ok {
		gv, err := luaval.ToGo(t)
		if err != nil {
			return nil, fmt.Errorf("service '%s': multiplex: %v", name, err)
		}
		multiplex = gv.(*value.Table)
	}
	return &NetService{Service: svc, inst: inst, handlers: []*connHandler{h}, Workers: workers, SSLConfig: sslConfig, Serve: serve, Multiplex: multiplex,
		Multiplexer: lua.LVAsBool(item.RawGetString("multiplexer"))}, nil
}

// workers reads how many copies of the module serve a service: the
// operator's <service>_workers option, else the module's own workers
// field, else 1. "auto" is one per CPU the Go runtime uses.
func (inst *Instance) workers(service string, declared lua.LValue) (int, error) {
	v, _ := luaval.ToGo(declared)
	where := "workers"
	if o, ok := inst.snap.Load().Get("*", service+"_workers"); ok {
		v, where = o.Value, o.Location.String()+": "+service+"_workers"
	}
	switch x := v.(type) {
	case nil:
		return 1, nil
	case string:
		if x == "auto" {
			return runtime.GOMAXPROCS(0), nil
		}
		if n, err := strconv.Atoi(x); err == nil && n >= 1 && n <= 256 {
			return n, nil
		}
	case float64:
		if x >= 1 && x <= 256 && x == float64(int(x)) {
			return int(x), nil
		}
	}
	return 0, fmt.Errorf("%s = %s: expected \"auto\" or a whole number from 1 to 256", where, value.Format(v))
}

func (inst *Instance) apiHook(L *lua.LState) int {
	event := L.CheckString(2)
	fn := L.CheckFunction(3)
	prio := float64(L.OptNumber(4, 0))
	hs := append(inst.hooks[event], hook{fn: fn, priority: prio})
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].priority > hs[j].priority })
	inst.hooks[event] = hs
	return 0
}

func (inst *Instance) apiUnhook(L *lua.LState) int {
	event := L.CheckString(2)
	fn := L.CheckFunction(3)
	hs := inst.hooks[event][:0]
	for _, h := range inst.hooks[event] {
		if h.fn != fn {
			hs = append(hs, h)
		}
	}
	inst.hooks[event] = hs
	return 0
}

// fire calls this instance's handlers of event in priority order; the
// first non-nil result stops the chain and is returned, as in Prosody.
func (inst *Instance) fire(event string, data lua.LValue) lua.LValue {
	for _, h := range inst.hooks[event] {
		out, err := inst.protect("handler of event "+event, h.fn, 1, data)
		if err == nil && out[0] != lua.LNil {
			return out[0]
		}
	}
	return lua.LNil
}

// apiFireEvent runs this module's own handlers at once and returns their
// result; other modules on the same host get a copy of the data on their
// own loops afterwards (they live in other Lua states).
func (inst *Instance) apiFireEvent(L *lua.LState) int {
	event := L.CheckString(2)
	data := L.Get(3)
	res := inst.fire(event, data)
	if copyData, err := luaval.ToGo(data); err == nil {
		for _, other := range inst.rt.Instances() {
			if other == inst || other.Host != inst.Host {
				continue
			}
			o := other
			o.post(func() { o.fire(event, luaval.ToLua(o.L, copyData)) })
		}
	}
	L.Push(res)
	return 1
}

// timer is a module:add_timer timer. It runs on its instance's loop.
type timer struct {
	inst    *Instance
	t       *time.Timer
	fn      *lua.LFunction
	args    []lua.LValue
	stopped bool
}

func (t *timer) stop() {
	t.stopped = true
	t.t.Stop()
	delete(t.inst.timers, t)
}

func (t *timer) schedule(d time.Duration) {
	t.t = time.AfterFunc(d, func() { t.inst.post(t.fire) })
}

func (t *timer) fire() {
	if t.stopped {
		return
	}
	now := lua.LNumber(float64(time.Now().UnixNano()) / 1e9)
	out, err := t.inst.protect("timer", t.fn, 1, append([]lua.LValue{now}, t.args...)...)
	if t.stopped {
		return
	}
	if err == nil {
		if n, ok := out[0].(lua.LNumber); ok && n >= 0 {
			t.schedule(seconds(float64(n)))
			return
		}
	}
	t.stop()
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// addTimer schedules fn after delay seconds; a number returned by fn
// schedules it again after that many seconds.
func (inst *Instance) addTimer(L *lua.LState, delay float64, fn *lua.LFunction, args []lua.LValue) *lua.LTable {
	t := &timer{inst: inst, fn: fn, args: args}
	inst.timers[t] = struct{}{}
	t.schedule(seconds(delay))
	obj := L.NewTable()
	obj.RawSetString("stop", L.NewFunction(func(L *lua.LState) int { t.stop(); return 0 }))
	obj.RawSetString("reschedule", L.NewFunction(func(L *lua.LState) int {
		t.t.Stop()
		t.schedule(seconds(float64(L.CheckNumber(2))))
		return 0
	}))
	return obj
}

func (inst *Instance) apiAddTimer(L *lua.LState) int {
	delay := float64(L.CheckNumber(2))
	fn := L.CheckFunction(3)
	var args []lua.LValue
	for i := 4; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	L.Push(inst.addTimer(L, delay, fn, args))
	return 1
}

// apiDepends loads another module on the same host. The module lives in
// its own Lua state, so what comes back describes it rather than being it.
func (inst *Instance) apiDepends(L *lua.LState) int {
	name := L.CheckString(2)
	host := inst.Host
	dep, err := inst.rt.Load(name, host)
	if err != nil && host != "*" {
		dep, err = inst.rt.Load(name, "*")
	}
	if err == nil {
		dep.viaDepends = true
	}
	if err != nil {
		L.RaiseError("module:depends(%q): %v", name, err)
	}
	t := L.NewTable()
	t.RawSetString("name", lua.LString(dep.Name))
	t.RawSetString("host", lua.LString(dep.Host))
	L.Push(t)
	return 1
}
