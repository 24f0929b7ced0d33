package bridge

import (
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

// sharedStore backs module:shared(): tables every module instance can
// read and write, whichever Lua state it runs in. Values are copied in
// and out in luaval's value model, so no state ever holds another's
// values.
type sharedStore struct {
	mu     sync.Mutex                // guards tables and every table in it
	tables map[string]map[string]any // by path
}

func newSharedStore() *sharedStore { return &sharedStore{tables: map[string]map[string]any{}} }

// sharedTable is one path of the store, as one instance sees it.
type sharedTable struct {
	store *sharedStore
	data  map[string]any // guarded by store.mu
	inst  *Instance
}

// crossShared is a value holding functions, stored as crossstate.go
// exports it: read in another state, they are proxies.
type crossShared struct{ x any }

// table is the table at path, made empty on first use.
func (s *sharedStore) table(path string) *sharedTable {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[path]
	if t == nil {
		t = map[string]any{}
		s.tables[path] = t
	}
	return &sharedTable{store: s, data: t}
}

func (t *sharedTable) get(key string) any {
	t.store.mu.Lock()
	defer t.store.mu.Unlock()
	return t.data[key]
}

// set stores v under key; nil deletes it.
func (t *sharedTable) set(key string, v any) {
	t.store.mu.Lock()
	defer t.store.mu.Unlock()
	if v == nil {
		delete(t.data, key)
	} else {
		t.data[key] = v
	}
}

// moduleShared is module:shared(path, ...): a proxy table for each path.
// A relative path is under this module's own "/host/module/" prefix, as
// in Prosody.
func moduleShared(L *lua.LState) int {
	inst := instanceOf(L)
	n := L.GetTop() - 1
	for i := 2; i <= n+1; i++ {
		p := L.CheckString(i)
		if !strings.HasPrefix(p, "/") {
			p = "/" + inst.Host + "/" + inst.Name + "/" + p
		}
		ud := L.NewUserData()
		st := inst.rt.shared.table(p)
		st.inst = inst
		ud.Value = st
		mt := L.SetFuncs(L.NewTable(), sharedProxyMeta, ud)
		proxy := L.NewTable()
		L.SetMetatable(proxy, mt)
		L.Push(proxy)
	}
	return n
}

// sharedProxyMeta is the metatable of a module:shared proxy; each
// function has the shared table as its upvalue.
var sharedProxyMeta = map[string]lua.LGFunction{
	"__index":    sharedIndex,
	"__newindex": sharedNewIndex,
}

func sharedOf(L *lua.LState) *sharedTable {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*sharedTable)
}

// sharedIndex reads a copy of the value out of the store.
func sharedIndex(L *lua.LState) int {
	t := sharedOf(L)
	v := t.get(L.CheckString(2))
	if c, ok := v.(crossShared); ok {
		L.Push(t.inst.importX(c.x))
		return 1
	}
	L.Push(luaval.ToLua(L, v))
	return 1
}

// sharedNewIndex copies a value into the store; one holding functions is
// kept as calls across states see it (crossstate.go), its functions
// running in this state.
func sharedNewIndex(L *lua.LState) int {
	t := sharedOf(L)
	v, err := luaval.ToGo(L.Get(3))
	if err != nil {
		v = crossShared{t.inst.export(L.Get(3))}
	}
	t.set(L.CheckString(2), v)
	return 0
}
