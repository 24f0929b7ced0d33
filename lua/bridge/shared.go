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

// sharedTable is one path of the store.
type sharedTable struct {
	store *sharedStore
	data  map[string]any // guarded by store.mu
}

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
		ud.Value = inst.rt.shared.table(p)
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
	L.Push(luaval.ToLua(L, sharedOf(L).get(L.CheckString(2))))
	return 1
}

// sharedNewIndex copies a value into the store; values that cannot leave
// a Lua state (functions, …) are an error.
func sharedNewIndex(L *lua.LState) int {
	v, err := luaval.ToGo(L.Get(3))
	if err != nil {
		L.RaiseError("module:shared: %v", err)
	}
	sharedOf(L).set(L.CheckString(2), v)
	return 0
}
