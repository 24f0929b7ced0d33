package bridge

import (
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// module:shared(path) is, as in Prosody, one table per path that lives
// as long as the process: modules keep in it what must outlive a reload
// of their own (mod_proxy65 its connections, by connection). Prosody has
// one state and one table; moonport has a state per instance, so:
//
//   - the table lives in one instance's state, its owner: the first to
//     ask for the path. There module:shared returns the real table, the
//     same each call, holding anything (connections as keys, tables
//     changed in place, functions);
//   - another instance asking gets a proxy table reaching into the
//     owner's: a read copies the value out (crossstate.go: tables
//     deep-copied, functions as proxies running in the owner), a write
//     copies it in, so changing a table read through a proxy changes
//     the copy only (write it back). pairs, next and # see the owner's
//     table (proxyiter.go);
//   - when a reload holds the owner for its module.save (Stage.hold), its
//     tables are copied out of its state, connections as references, and
//     the first to ask next (the new instance, as it loads) takes them
//     over; an aborted reload gives them back. When the owner stops for
//     good (module unloaded) the contents are kept the same way for the
//     next instance that asks or reads through a proxy.

// sharedStore holds the tables by path.
type sharedStore struct {
	mu      sync.Mutex // guards entries and every entry's fields
	entries map[string]*sharedEntry
}

// sharedEntry is one path: the owner's table, or the contents kept while
// no instance owns it.
type sharedEntry struct {
	owner *Instance
	table *lua.LTable // of owner's state
	kept  any         // exported contents while owner is nil (nil: empty)
	// heldFrom is the owner a reload holds for its module.save, whose
	// table (heldTable) an aborted reload gives back.
	heldFrom  *Instance
	heldTable *lua.LTable
}

func newSharedStore() *sharedStore { return &sharedStore{entries: map[string]*sharedEntry{}} }

// owned is the owner of path and its table: inst takes it over when
// nobody owns it (its contents, if kept, imported into inst's state).
// The caller holds inst's state.
func (s *sharedStore) owned(inst *Instance, path string) (*Instance, *lua.LTable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[path]
	if e == nil {
		e = &sharedEntry{}
		s.entries[path] = e
	}
	if e.owner == nil {
		t, ok := inst.importX(e.kept).(*lua.LTable)
		if !ok {
			t = inst.L.NewTable()
		}
		e.owner, e.table, e.kept = inst, t, nil
	}
	return e.owner, e.table
}

// release copies the tables inst owns out of its state and keeps them
// for the next instance that asks. held says a reload holds inst: its
// tables become proxies of whoever owns them next, so the old instance's
// last words (module.unload, a connection it still serves) reach the new
// one's tables; an aborted reload gives them back (reclaim). The caller
// holds inst's state.
func (s *sharedStore) release(inst *Instance, held bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for path, e := range s.entries {
		if e.heldFrom == inst && !held {
			e.heldFrom, e.heldTable = nil, nil // stopped for good: nothing to give back
		}
		if e.owner != inst {
			continue
		}
		e.kept = inst.export(e.table)
		if held {
			e.heldFrom, e.heldTable = inst, e.table
			var ks []lua.LValue
			e.table.ForEach(func(k, _ lua.LValue) { ks = append(ks, k) })
			for _, k := range ks {
				e.table.RawSet(k, lua.LNil)
			}
			makeSharedProxy(inst, e.table, path)
		}
		e.owner, e.table = nil, nil
	}
}

// reclaim gives inst back the tables a reload took from it (with what
// the reload's new instance changed meanwhile), unless a module that
// goes on running owns one now: its table stays a proxy of that one. The
// caller holds inst's state.
func (s *sharedStore) reclaim(inst *Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if e.heldFrom != inst {
			continue
		}
		if e.owner == nil {
			t := e.heldTable
			inst.L.SetMetatable(t, lua.LNil)
			t.Host = nil // a table again, not a proxy (tieIterable)
			if kept, ok := inst.importX(e.kept).(*lua.LTable); ok {
				kept.ForEach(func(k, v lua.LValue) { t.RawSet(k, v) })
			}
			e.owner, e.table, e.kept = inst, t, nil
		}
		e.heldFrom, e.heldTable = nil, nil
	}
}

// moduleShared is module:shared(path, ...): for each path, the table
// itself in its owner's state, a proxy of it in any other. A relative
// path is completed as in Prosody (sharedPath).
func moduleShared(L *lua.LState) int {
	inst := instanceOf(L)
	n := L.GetTop() - 1
	for i := 2; i <= n+1; i++ {
		p := sharedPath(inst, L.CheckString(i))
		owner, t := inst.rt.shared.owned(inst, p)
		if owner == inst {
			L.Push(t)
			continue
		}
		L.Push(makeSharedProxy(inst, L.NewTable(), p))
	}
	return n
}

// sharedPath completes a relative path as Prosody does: its slashes say
// how many of the leading "/host/module" it lacks, so "x" is
// "/host/module/x", "other/x" another module's "/host/other/x"
// (mod_invites_page reads mod_register_apps' "register_apps/apps") and
// "h/m/x" is "/h/m/x".
func sharedPath(inst *Instance, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	lead := []string{inst.Host, inst.Name}
	if n := strings.Count(p, "/"); n < len(lead) {
		return "/" + strings.Join(lead[:len(lead)-n], "/") + "/" + p
	}
	return "/" + p
}

// makeSharedProxy makes t, an empty table of inst's state, inst's proxy
// of path.
func makeSharedProxy(inst *Instance, t *lua.LTable, path string) *lua.LTable {
	L := inst.L
	p := &sharedProxy{inst: inst, path: path}
	ud := L.NewUserData()
	ud.Value = p
	mt := L.SetFuncs(L.NewTable(), sharedProxyMeta, ud)
	L.SetMetatable(t, L.SetFuncs(mt, iterableMeta))
	tieIterable(t, p)
	return t
}

// sharedProxy is an instance's view of a path another instance owns.
type sharedProxy struct {
	inst *Instance
	path string
	it   proxyIter
}

func (p *sharedProxy) iter() *proxyIter { return &p.it }
func (p *sharedProxy) what() string     { return "module:shared(\"" + p.path + "\")" }

// content copies the owner's table (proxyiter.go).
func (p *sharedProxy) content() (*lua.LTable, error) {
	var x any
	var own *lua.LTable
	err := p.access(func(owner *Instance, t *lua.LTable) {
		if owner == p.inst {
			own = owner.L.CloneTable(t)
			return
		}
		x = owner.export(t)
	})
	if err != nil || own != nil {
		return own, err
	}
	t, _ := p.inst.importX(x).(*lua.LTable)
	if t == nil {
		t = p.inst.L.NewTable()
	}
	return t, nil
}

// length is # of the owner's table.
func (p *sharedProxy) length() (n int, err error) {
	err = p.access(func(_ *Instance, t *lua.LTable) { n = t.Len() })
	return n, err
}

// sharedProxyMeta is the metatable of a proxy; each function has the
// sharedProxy as its upvalue.
var sharedProxyMeta = map[string]lua.LGFunction{
	"__index":    sharedIndex,
	"__newindex": sharedNewIndex,
}

func proxyOfShared(L *lua.LState) *sharedProxy {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*sharedProxy)
}

// access runs f holding the owner's state (entered as a call across
// states is) with its table. An owner that stops meanwhile releases the
// table as it stops; access then waits for that (briefly) and goes to
// the next owner, which may be this instance.
func (p *sharedProxy) access(f func(owner *Instance, t *lua.LTable)) error {
	from := p.inst
	for tries := 0; ; tries++ {
		owner, t := from.rt.shared.owned(from, p.path)
		err := within(from, chainOf(from), owner, func() { f(owner, t) })
		if err == nil || !owner.isStopped() || tries >= 1000 {
			return err
		}
		time.Sleep(time.Millisecond) // the stopping owner is releasing its tables
	}
}

// sharedIndex reads a copy of a value of the owner's table.
func sharedIndex(L *lua.LState) int {
	p := proxyOfShared(L)
	key, out := L.Get(2), lua.LNil
	err := p.access(func(owner *Instance, t *lua.LTable) {
		if owner == p.inst {
			out = t.RawGet(key)
			return
		}
		x := owner.export(t.RawGet(owner.importX(p.inst.export(key))))
		out = p.inst.importX(x)
	})
	if err != nil {
		L.RaiseError("module:shared(%q): %s", p.path, err.Error())
	}
	L.Push(out)
	return 1
}

// sharedNewIndex copies a value into the owner's table; nil removes the
// key.
func sharedNewIndex(L *lua.LState) int {
	p := proxyOfShared(L)
	key, val := L.Get(2), L.Get(3)
	if key == lua.LNil {
		L.RaiseError("module:shared(%q): index is nil", p.path)
	}
	kx, vx := p.inst.export(key), p.inst.export(val)
	err := p.access(func(owner *Instance, t *lua.LTable) {
		if owner == p.inst {
			t.RawSet(key, val)
			return
		}
		if k := owner.importX(kx); k != lua.LNil {
			t.RawSet(k, owner.importX(vx))
		}
	})
	if err != nil {
		L.RaiseError("module:shared(%q): %s", p.path, err.Error())
	}
	return 0
}
