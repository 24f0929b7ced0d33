package bridge

import (
	"reflect"
	"sync"
	"unsafe"

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
// state and reads as nil from the others. pairs(proxy) (its __pairs)
// iterates a copy of the fields and methods as the state reads them now,
// as pairs over Prosody's plain request, response and header tables
// would (for k, v in pairs(request.headers) is common in modules).
type record struct {
	mu      sync.Mutex
	vals    map[string]any
	methods map[string]lua.LGFunction // read-only; the proxy is their self
	proxies perState
	// owner is what methods work on (an *httpExchange).
	owner any
	// fill, when set, makes the fields on first use (under mu): most
	// handlers never look at most of a request (its headers, url, conn),
	// so those records cost a map only when read.
	fill func(vals map[string]any)
	// ref ties the record's proxies to it (their LTable.Host).
	ref lua.HostRef
}

// local is a field value that lives in one state only.
type local struct {
	inst *Instance
	v    lua.LValue
}

func newRecord(owner any, methods map[string]lua.LGFunction) *record {
	return newRecordSized(owner, methods, 0)
}

// newRecordSized is a record with room for n fields, so filling one
// (an HTTP request's) does not grow its map step by step.
func newRecordSized(owner any, methods map[string]lua.LGFunction, n int) *record {
	return &record{vals: make(map[string]any, n), methods: methods, owner: owner}
}

// newLazyRecord is a record whose fields fill makes when first used.
func newLazyRecord(owner any, methods map[string]lua.LGFunction, fill func(vals map[string]any)) *record {
	return &record{methods: methods, owner: owner, fill: fill}
}

// filled makes the fields of a lazy record; the caller holds mu.
func (r *record) filled() map[string]any {
	if r.fill != nil {
		f := r.fill
		r.fill = nil
		r.vals = make(map[string]any, 8)
		f(r.vals)
	}
	return r.vals
}

// get reads a field as Go sees it (a local value as itself).
func (r *record) get(k string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.filled()[k]
}

// set writes a field from Go.
func (r *record) set(k string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vals := r.filled()
	if v == nil {
		delete(vals, k)
		return
	}
	vals[k] = v
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
	vals := r.filled()
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		out[k] = v
	}
	return out
}

// proxyIn is the record's proxy in inst's state, made once per state so a
// record is equal to itself there. A proxy is an empty table tied to the
// record (its Host, see the fork's LTable.Host) with the state's one
// metatable of record proxies: an HTTP request makes several, so each
// costs one table and nothing more.
func (r *record) proxyIn(inst *Instance) lua.LValue {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.proxies.get(inst); p != nil {
		return p
	}
	p := inst.L.CreateTable(0, 0)
	r.ref.Value = r
	p.Host = &r.ref
	p.Metatable = inst.recordMetamethods().meta
	r.proxies.put(inst, p)
	return p
}

// recordMetamethods are a state's __index and __newindex of record
// proxies, in the metatable all its proxies share: they find the record
// through the proxy's Host.
type recordMetamethods struct {
	index, newIndex *lua.LFunction
	meta            *lua.LTable
	// event is the same for an HTTP event's table: request and response
	// placeholders, in the order tableIn sets them.
	event *lua.LTable
	// fns are the method functions handed out so far: a method is made
	// once per state (as Prosody's come from one metatable), not per
	// read, so response:send() allocates no function per call.
	fns map[methodKey]*lua.LFunction
}

// methodKey names a method of a method set (a record's methods map).
type methodKey struct {
	set  unsafe.Pointer
	name string
}

// method is the state's function for the method name of set.
func (m *recordMetamethods) method(L *lua.LState, set map[string]lua.LGFunction, name string, f lua.LGFunction) *lua.LFunction {
	k := methodKey{set: reflect.ValueOf(set).UnsafePointer(), name: name}
	fn := m.fns[k]
	if fn == nil {
		if m.fns == nil {
			m.fns = map[methodKey]*lua.LFunction{}
		}
		fn = L.NewFunction(f)
		m.fns[k] = fn
	}
	return fn
}

// recordMetamethods makes the state's shared metamethods once; the
// caller holds the state.
func (inst *Instance) recordMetamethods() *recordMetamethods {
	if inst.recordMeta == nil {
		m := &recordMetamethods{
			index:    inst.L.NewClosure(recordIndex, inst.ud),
			newIndex: inst.L.NewClosure(recordNewIndex, inst.ud),
			meta:     inst.L.CreateTable(0, 3),
			event:    inst.L.CreateTable(0, 2),
		}
		m.meta.RawSetString("__index", m.index)
		m.meta.RawSetString("__newindex", m.newIndex)
		m.meta.RawSetString("__pairs", inst.L.NewClosure(recordPairs, inst.ud))
		m.event.RawSetString("request", lua.LFalse)
		m.event.RawSetString("response", lua.LFalse)
		inst.recordMeta = m
	}
	return inst.recordMeta
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

// recordOf is the record whose proxy a metamethod was called on (its
// first argument) and the state's instance.
func recordOf(L *lua.LState) (*record, *Instance) {
	if p, _ := L.Get(1).(*lua.LTable); p != nil && p.Host != nil {
		if r, ok := p.Host.Value.(*record); ok {
			return r, instanceOf(L)
		}
	}
	L.ArgError(1, "expected a record proxy")
	return nil, nil
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
		L.Push(inst.recordMetamethods().method(L, r.methods, string(k), m))
		return 1
	}
	L.Push(toLuaIn(inst, r.get(string(k))))
	return 1
}

// recordPairs is the proxy's __pairs: next over a table of the fields
// (those this state can read: see toLuaIn) and methods as they are now.
func recordPairs(L *lua.LState) int {
	r, inst := recordOf(L)
	vals := r.snapshot()
	t := L.CreateTable(0, len(vals)+len(r.methods))
	for k, v := range vals {
		if lv := toLuaIn(inst, v); lv != lua.LNil {
			t.RawSetString(k, lv)
		}
	}
	for k, m := range r.methods {
		t.RawSetString(k, inst.recordMetamethods().method(L, r.methods, k, m))
	}
	L.Push(L.NewFunction(copyNext))
	L.Push(t)
	L.Push(lua.LNil)
	return 3
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

// perState holds a table per state: most HTTP objects are seen in one
// state only, which needs no map.
type perState struct {
	inst *Instance
	t    *lua.LTable
	more map[*Instance]*lua.LTable
}

func (ps *perState) get(inst *Instance) *lua.LTable {
	if ps.inst == inst && inst != nil {
		return ps.t
	}
	return ps.more[inst]
}

func (ps *perState) put(inst *Instance, t *lua.LTable) {
	if ps.inst == nil {
		ps.inst, ps.t = inst, t
		return
	}
	if ps.more == nil {
		ps.more = map[*Instance]*lua.LTable{}
	}
	ps.more[inst] = t
}

// each calls f for every state that has a table, until f says stop.
func (ps *perState) each(f func(inst *Instance) bool) {
	if ps.inst != nil && !f(ps.inst) {
		return
	}
	for inst := range ps.more {
		if !f(inst) {
			return
		}
	}
}
