package bridge

import (
	"net"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/lua/luaval"
)

// installRequire gives modules Prosody's library names that make sense
// here ("net.server", "util.timer", "util.set") before Lua's own require.
func (inst *Instance) installRequire() {
	L := inst.L
	builtin := map[string]func() lua.LValue{
		"net.server": inst.serverLib,
		"util.timer": func() lua.LValue {
			return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"add_task": inst.apiAddTask})
		},
		"moonport.admin": inst.adminLib,
		"moonport.files": inst.filesLib,
		"util.set": func() lua.LValue {
			return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"new": func(L *lua.LState) int {
				t, _ := L.Get(1).(*lua.LTable)
				if t == nil {
					t = L.NewTable()
				}
				L.Push(newSet(L, t))
				return 1
			}})
		},
	}
	loaded := L.NewTable()
	orig := L.GetGlobal("require")
	L.SetGlobal("require", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if v := loaded.RawGetString(name); v != lua.LNil {
			L.Push(v)
			return 1
		}
		if mk, ok := builtin[name]; ok {
			v := mk()
			loaded.RawSetString(name, v)
			L.Push(v)
			return 1
		}
		L.Push(orig)
		L.Push(lua.LString(name))
		L.Call(1, 1)
		return 1
	}))
}

// adminLib is require "moonport.admin": admin.call(name, ...) returns the
// host's answer, or nil and the error; admin.run(fn, ...) runs fn as a
// task that may wait for the host (see task.go).
func (inst *Instance) adminLib() lua.LValue {
	L := inst.L
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"call": inst.apiAdminCall,
		"run":  inst.apiRun,
	})
}

func (inst *Instance) serverLib() lua.LValue {
	L := inst.L
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"addclient": inst.apiAddClient,
		"add_task":  inst.apiAddTask,
	})
}

func (inst *Instance) apiAddTask(L *lua.LState) int {
	L.Push(inst.addTimer(L, float64(L.CheckNumber(1)), L.CheckFunction(2), nil))
	return 1
}

// apiAddClient is server.addclient(addr, port, listeners, read_size, …):
// an outgoing TCP connection whose events go to listeners on this loop.
func (inst *Instance) apiAddClient(L *lua.LState) int {
	addr := L.CheckString(1)
	port := L.CheckInt(2)
	listener := L.CheckTable(3)
	h := &connHandler{inst: inst, listener: listener, drain: listener.RawGetString("ondrain") != lua.LNil}
	st := *inst.rt.network.Load()
	if rs := L.Get(4); rs != lua.LNil {
		gv, _ := luaval.ToGo(rs)
		m, err := listen.ParseMode(gv, st.ReadSize)
		if err != nil {
			L.ArgError(4, err.Error())
		}
		h.mode, h.hasMode = m, true
	}
	c := inst.rt.opts.Server.Dial(inst.rt.ctx, net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(port)), h, st)
	L.Push(inst.wrap(c, listener).ud)
	return 1
}

// sharedStore backs module:shared(): tables every module instance can
// read and write. Values are copied in and out, since each instance has
// its own Lua state.
type sharedStore struct {
	mu     sync.Mutex
	tables map[string]map[string]any
}

func newSharedStore() *sharedStore { return &sharedStore{tables: map[string]map[string]any{}} }

func (s *sharedStore) table(path string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[path]
	if t == nil {
		t = map[string]any{}
		s.tables[path] = t
	}
	return t
}

// apiShared is module:shared(path). A relative path is under this
// module's own "/host/module/" prefix, as in Prosody.
func (inst *Instance) apiShared(L *lua.LState) int {
	store := inst.rt.shared
	n := L.GetTop() - 1
	for i := 2; i <= n+1; i++ {
		p := L.CheckString(i)
		if !strings.HasPrefix(p, "/") {
			p = "/" + inst.Host + "/" + inst.Name + "/" + p
		}
		data := store.table(p)
		proxy := L.NewTable()
		mt := L.NewTable()
		mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
			store.mu.Lock()
			v := data[L.CheckString(2)]
			store.mu.Unlock()
			L.Push(luaval.ToLua(L, v))
			return 1
		}))
		mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
			v, err := luaval.ToGo(L.Get(3))
			if err != nil {
				L.RaiseError("module:shared: %v", err)
			}
			store.mu.Lock()
			if v == nil {
				delete(data, L.CheckString(2))
			} else {
				data[L.CheckString(2)] = v
			}
			store.mu.Unlock()
			return 0
		}))
		L.SetMetatable(proxy, mt)
		L.Push(proxy)
	}
	return n
}
