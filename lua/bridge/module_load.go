package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// A module's life in its state: boot runs its file, module.save and
// module.restore carry its state across a reload, unloadHook ends it; and
// module:provides, which turns what a module declares into services.

// boot runs the module's file with `module` set, then module.load.
func (inst *Instance) boot(src []byte, saved any) error {
	L := inst.L
	inst.booting = true
	defer func() { inst.booting = false }()
	registerConnType(L)
	inst.module = inst.newModuleObject()
	L.SetGlobal("module", inst.module)
	inst.installRequire()
	inst.installGlobals()
	installCompat(L)
	inst.baseGlobals = globalsNow(L)
	fn, err := L.Load(bytes.NewReader(src), inst.Path)
	if err != nil {
		return errors.New(parseErrorMessage(inst.Path, src, err))
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
// connections in it travel as references. The caller holds the state
// (Stage keeps holding it until the reload commits or aborts: see
// handover.go).
func (inst *Instance) save() any {
	fn := inst.module.RawGetString("save")
	if fn == lua.LNil {
		return nil
	}
	res, err := inst.protect("module.save", fn, 1)
	if err != nil || len(res) == 0 {
		return nil
	}
	v, err := luaval.ToGo(res[0])
	if err != nil {
		inst.log.Errorf("module.save: %v; the new instance starts without saved state", err)
		return nil
	}
	return v
}

// toLua builds a value in this state, turning connection references back
// into this state's objects for the same connections.
func (inst *Instance) toLua(v any) lua.LValue {
	return luaval.ToLuaWith(inst.L, v, inst.resolveRef)
}

// resolveRef is this state's object for a connection reference (nil once
// the connection is gone).
func (inst *Instance) resolveRef(r luaval.Ref) lua.LValue {
	c := inst.rt.connOf(r)
	if c == nil {
		return lua.LNil
	}
	return inst.connObject(c)
}

// connObject is this state's object for c, with the listener of the
// service it came in on if this instance provides it.
func (inst *Instance) connObject(c *listen.Conn) lua.LValue {
	var listener *lua.LTable
	if svc := findService(inst.services, c.Service); svc != nil {
		listener = svc.handlers[0].listener
	}
	return inst.wrap(c, listener).ud
}

// connOf is the open connection a reference names, or nil.
func (rt *Runtime) connOf(r luaval.Ref) *listen.Conn {
	if r.Kind != "conn" || rt.opts.Server == nil {
		return nil
	}
	for _, c := range rt.opts.Server.Conns() {
		if c.ID == r.ID {
			return c
		}
	}
	return nil
}

func (inst *Instance) unloadHook() {
	for t := range inst.timers {
		t.stop()
	}
	inst.unhookObjects()
	if u := inst.module.RawGetString("unload"); u != lua.LNil {
		_, _ = inst.protect("module.unload", u, 0)
	}
}

// moduleProvides is module:provides(kind, item). "net" items become services.
func moduleProvides(L *lua.LState) int {
	inst := instanceOf(L)
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
	if kind == "net" { // the service first: the net-provider item is seen as it (lib_core_portmanager.go)
		svc, err := inst.netService(item)
		if err == nil {
			err = inst.addService(svc)
		}
		if err != nil {
			L.RaiseError("module:provides(\"net\"): %v", err)
		}
	}
	inst.addItem(L, kind+"-provider", item)
	if kind == "http" {
		if err := inst.addHTTP(item); err != nil {
			L.RaiseError("module:provides(\"http\"): %v", err)
		}
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
	svc.Private, svc.NeedsCertificate = lua.LVAsBool(item.RawGetString("private")), lua.LVAsBool(item.RawGetString("needs_certificate"))
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
	if isHTTPServerListener(listener) {
		serve = ports.ServeHTTP // net.http.server's listener: requests go to its events
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
