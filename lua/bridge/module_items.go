package bridge

import (
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Items (Prosody's module:add_item and friends): what a module offers the
// others on its host, kept here outside every Lua state. An item is
// exported once when added; each instance that sees it gets its own copy
// (crossstate.go), made once, so the table handed to item-added is the one
// item-removed and get_host_items give; the providing instance sees its
// own table. A reload's new instance adds items unseen until the reload
// commits; an instance's items go when it stops or is replaced.

type item struct {
	typ, host string
	name      string // the item's name field, if it is a table with one
	owner     *Instance
	orig      lua.LValue // in owner's state
	x, src    any        // the item and the module object adding it, exported
	published bool       // guarded by itemStore.mu

	mu    sync.Mutex
	views map[*Instance]lua.LValue
}

// itemRef carries an item across states as its instance's own copy.
type itemRef struct{ it *item }

// view is the item as inst sees it; the caller holds inst.
func (it *item) view(inst *Instance) lua.LValue {
	if inst == it.owner {
		return it.orig
	}
	if svc := it.service(); svc != nil {
		return inst.serviceObject(svc)
	}
	it.mu.Lock()
	v := it.views[inst]
	it.mu.Unlock()
	if v != nil {
		return v
	}
	v = inst.importX(it.x)
	it.mu.Lock()
	if it.views == nil {
		it.views = map[*Instance]lua.LValue{}
	}
	it.views[inst] = v
	it.mu.Unlock()
	return v
}

type itemStore struct {
	mu    sync.Mutex
	items []*item
}

// take removes the items pick selects and returns those that were
// published, for which the caller fires item-removed.
func (s *itemStore) take(pick func(*item) bool) (out []*item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.items[:0:0]
	for _, it := range s.items {
		switch {
		case !pick(it):
			kept = append(kept, it)
		case it.published:
			out = append(out, it)
		}
	}
	s.items = kept
	return out
}

// visible lists the items of typ inst sees on host: those of the
// instances on host (a global module added to host included), published
// or its own.
func (s *itemStore) visible(inst *Instance, host, typ string) []*item {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*item
	for _, it := range s.items {
		if it.typ != typ || !(it.published || it.owner == inst) {
			continue
		}
		if it.host == host || (it.host == "*" && it.owner.hasHost(host)) {
			out = append(out, it)
		}
	}
	return out
}

// itemEvent is the data of item-added/removed: {source = module, item =
// item}, the module's own values in its state, copies elsewhere. source
// is the module object's table (L's argument 1) when the module fires.
func itemEvent(it *item, from *Instance, source lua.LValue) *argv {
	x := []any{&xtable{keys: []any{"source", "item"}, vals: []any{it.src, &itemRef{it}}}}
	if from == nil {
		return &argv{x: x}
	}
	t := from.L.NewTable()
	t.RawSetString("source", source)
	t.RawSetString("item", it.orig)
	return &argv{from: from, local: []lua.LValue{t}, x: x}
}

// announce fires item-added/<type> or item-removed/<type> on the item's
// host (from the module, or from Go when from is nil); a net-provider's
// is a service, so service-added or service-removed follows on the
// global events ({name = name, service = item}), as Prosody's
// portmanager fires them. held: see argv.
func (rt *Runtime) announce(it *item, added bool, from *Instance, source lua.LValue, held []*Instance) {
	what, svc := "item-removed/", "service-removed"
	if added {
		what, svc = "item-added/", "service-added"
	}
	ev := itemEvent(it, from, source)
	ev.held = held
	rt.fire(it.host, what+it.typ, ev)
	if it.typ != "net-provider" {
		return
	}
	a := &argv{x: []any{&xtable{keys: []any{"name", "service"}, vals: []any{it.name, &itemRef{it}}}}, held: held}
	if from != nil {
		t := from.L.NewTable()
		t.RawSetString("name", lua.LString(it.name))
		t.RawSetString("service", it.orig)
		a.from, a.local = from, []lua.LValue{t}
	}
	rt.fire("*", svc, a)
}

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"add_item":       moduleAddItem,
		"remove_item":    moduleRemoveItem,
		"get_host_items": moduleGetHostItems,
		"handle_items":   moduleHandleItems,
	})
}

// moduleAddItem is module:add_item(type, item).
func moduleAddItem(L *lua.LState) int {
	inst := instanceOf(L)
	inst.addItem(L, L.CheckString(2), L.Get(3))
	return 0
}

// addItem adds an item of typ for the module object at L's argument 1 and
// fires item-added/<typ> on its host once the instance is live. A worker
// copy's items are its primary's already.
func (inst *Instance) addItem(L *lua.LState, typ string, v lua.LValue) {
	if inst.copyOf != nil {
		return
	}
	it := &item{typ: typ, host: hostOf(L, inst), owner: inst, orig: v, x: inst.export(v), src: inst.export(L.Get(1))}
	if t, ok := v.(*lua.LTable); ok {
		it.name = lua.LVAsString(t.RawGetString("name"))
	}
	s := inst.rt.items
	s.mu.Lock()
	it.published = inst.live.Load()
	s.items = append(s.items, it)
	s.mu.Unlock()
	if it.published {
		inst.rt.announce(it, true, inst, L.Get(1), nil)
	}
}

// moduleRemoveItem is module:remove_item(type, item): the item this
// module added, fired as item-removed/<type> and returned.
func moduleRemoveItem(L *lua.LState) int {
	inst := instanceOf(L)
	typ, v := L.CheckString(2), L.Get(3)
	found := false
	gone := inst.rt.items.take(func(it *item) bool {
		if found || it.owner != inst || it.typ != typ || it.orig != v {
			return false
		}
		found = true
		return true
	})
	for _, it := range gone {
		inst.rt.announce(it, false, inst, L.Get(1), nil)
	}
	if !found {
		return 0
	}
	L.Push(v)
	return 1
}

// moduleGetHostItems is module:get_host_items(type): an array of the
// items of that type on the module's host.
func moduleGetHostItems(L *lua.LState) int {
	inst := instanceOf(L)
	t := L.NewTable()
	for _, it := range inst.rt.items.visible(inst, hostOf(L, inst), L.CheckString(2)) {
		t.Append(it.view(inst))
	}
	L.Push(t)
	return 1
}

// moduleHandleItems is module:handle_items(type, added, removed,
// existing): hooks item-added/<type> and item-removed/<type>, then, unless
// existing is false, calls added({source = module, item = item}) for each
// item there is. Prosody passes the item alone; moonport adds the module
// that added it, because each state has its own copy of an item, so what
// an earlier instance of the handler wrote into it (mod_cron's task id,
// from event.source) is not there for a reloaded one.
func moduleHandleItems(L *lua.LState) int {
	inst := instanceOf(L)
	typ, host := L.CheckString(2), hostOf(L, inst)
	added, removed := L.CheckFunction(3), L.CheckFunction(4)
	inst.rt.events.add(host, "item-added/"+typ, inst, added, 0, false)
	inst.rt.events.add(host, "item-removed/"+typ, inst, removed, 0, false)
	if L.Get(5) == lua.LFalse {
		return 0
	}
	for _, it := range inst.rt.items.visible(inst, host, typ) {
		ev := L.NewTable()
		ev.RawSetString("item", it.view(inst))
		if it.owner == inst {
			ev.RawSetString("source", inst.module)
		} else {
			ev.RawSetString("source", inst.importX(it.src))
		}
		L.Push(added)
		L.Push(ev)
		L.Call(1, 0)
	}
	return 0
}

// goLive makes a loaded instance's handlers get events and its items
// seen (item-added for each), then fires module-loaded.
// held are the states the calling goroutine holds (moduleRef.via).
func (rt *Runtime) goLive(inst *Instance, held []*Instance) {
	inst.live.Store(true)
	rt.items.mu.Lock()
	var fresh []*item
	for _, it := range rt.items.items {
		if it.owner == inst && !it.published {
			it.published = true
			fresh = append(fresh, it)
		}
	}
	rt.items.mu.Unlock()
	for _, it := range fresh {
		rt.announce(it, true, nil, nil, held)
	}
	a := goEvent(map[string]any{"module": inst.Name, "host": inst.Host})
	a.held = held
	rt.fire(inst.Host, "module-loaded", a)
}

// unplug takes an instance off the buses and withdraws its items
// (item-removed for those seen), then fires module-unloaded if it was
// live. Doing it again does nothing.
func (rt *Runtime) unplug(inst *Instance) {
	rt.events.drop(inst)
	wasLive := inst.live.Swap(false)
	for _, it := range rt.items.take(func(it *item) bool { return it.owner == inst }) {
		rt.announce(it, false, nil, nil, nil)
	}
	if wasLive && inst.copyOf == nil {
		rt.FireEvent(inst.Host, "module-unloaded", map[string]any{"module": inst.Name, "host": inst.Host})
	}
}

// switchLive is a reload's commit seen from the other modules: the
// instances leaving stop hearing events, the arriving ones start, the
// leaving ones' items go (item-removed), then the arriving ones' come
// (item-added), each once.
func (rt *Runtime) switchLive(leaving, arriving []*Instance) {
	for _, inst := range leaving {
		rt.events.drop(inst)
	}
	for _, inst := range arriving {
		inst.live.Store(true)
	}
	for _, inst := range leaving {
		rt.unplug(inst)
	}
	for _, inst := range arriving {
		rt.goLive(inst, nil)
	}
}
