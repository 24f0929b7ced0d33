package bridge

import (
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// A record is a table kept in Go (an HTTP request, response or header
// set): every state that holds it sees a proxy on the same record, so a
// field one module sets (response.headers.content_type, request.ip) is
// what the next module reads, whichever state it runs in. It is a
// portable object.
//
// Fields hold Go values that mean the same in every state (strings,
// numbers, booleans, other records); a value that only makes sense in the
// state that set it (a function, a table, a userdata) is kept with that
// state and reads as nil from the others. Proxies cannot be iterated with
// pairs (Lua 5.1 has no __pairs); fields are read and written by name.
type record struct {
	mu      sync.Mutex
	vals    map[string]any
	methods map[string]lua.LGFunction // read-only; the proxy is their self
	proxies map[*Instance]*lua.LTable
	// owner is what methods work on (an *httpExchange).
	owner any
}

// local is a field value that lives in one state only.
type local struct {
	inst *Instance
	v    lua.LValue
}

func newRecord(owner any, methods map[string]lua.LGFunction) *record {
	return &record{vals: map[string]any{}, methods: methods, owner: owner}
}

// get reads a field as Go sees it (a local value as itself).
func (r *record) get(k string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.vals[k]
}

// set writes a field from Go.
func (r *record) set(k string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v == nil {
		delete(r.vals, k)
		return
	}
	r.vals[k] = v
}

// str reads a string field ("" when it is something else).
func (r *record) str(k string) string {
	s, _ := r.get(k).(string)
	return s
}

// snapshot copies the fields, for Go code that walks them (headers).
func (r *record) snapshot() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]any, len(r.vals))
	for k, v := range r.vals {
		out[k] = v
	}
	return out
}

// proxyIn is the record's proxy in inst's state, made once per state so a
// record is equal to itself there.
func (r *record) proxyIn(inst *Instance) lua.LValue {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.proxies[inst]; ok {
		return p
	}
	L := inst.L
	p := L.NewTable()
	mt := L.NewTable()
	ud := L.NewUserData()
	ud.Value = r
	mt.RawSetString("__index", L.NewClosure(recordIndex, inst.ud, ud))
	mt.RawSetString("__newindex", L.NewClosure(recordNewIndex, inst.ud, ud))
	markPortable(L, mt, r)
	L.SetMetatable(p, mt)
	if r.proxies == nil {
		r.proxies = map[*Instance]*lua.LTable{}
	}
	r.proxies[inst] = p
	return p
}

// toLuaIn is a field value as the state of inst sees it.
func toLuaIn(inst *Instance, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case string:
		return lua.LString(x)
	case float64:
		return lua.LNumber(x)
	case bool:
		return lua.LBool(x)
	case portable:
		return x.proxyIn(inst)
	case local:
		if x.inst == inst {
			return x.v
		}
	}
	return lua.LNil
}

// fromLuaIn is what a field keeps of a value set from inst's state.
func fromLuaIn(inst *Instance, v lua.LValue) any {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return float64(x)
	case lua.LBool:
		return bool(x)
	}
	if obj, ok := portableOf(inst.L, v); ok {
		return obj
	}
	return local{inst: inst, v: v}
}

func recordOf(L *lua.LState) (*record, *Instance) {
	return L.Get(lua.UpvalueIndex(2)).(*lua.LUserData).Value.(*record), instanceOf(L)
}

// recordIndex is the proxy's __index: a method, else the field.
func recordIndex(L *lua.LState) int {
	r, inst := recordOf(L)
	k, ok := L.Get(2).(lua.LString)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	if m, ok := r.methods[string(k)]; ok {
		L.Push(L.NewFunction(m))
		return 1
	}
	L.Push(toLuaIn(inst, r.get(string(k))))
	return 1
}

// recordNewIndex is the proxy's __newindex: fields by string name only.
func recordNewIndex(L *lua.LState) int {
	r, inst := recordOf(L)
	k, ok := L.Get(2).(lua.LString)
	if !ok {
		L.ArgError(2, "this table takes string keys only")
	}
	r.set(string(k), fromLuaIn(inst, L.Get(3)))
	return 0
}

// selfRecord is the record behind a method's self argument.
func selfRecord(L *lua.LState) *record {
	if obj, ok := portableOf(L, L.Get(1)); ok {
		if r, ok := obj.(*record); ok {
			return r
		}
	}
	L.ArgError(1, "expected the object this method belongs to (call it with ':')")
	return nil
}
