package bridge

import (
	lua "github.com/yuin/gopher-lua"
	"sync"

	"testing"

	"github.com/moonport/moonport/lua/luaval"
)

// sharedView reads a module:shared table from Go, for tests.
type sharedView struct {
	s    *sharedStore
	path string
}

func (s *sharedStore) table(path string) sharedView { return sharedView{s, path} }

// get is the value under key, copied out of the owner's state, or out of
// the kept contents while no instance owns the path.
func (v sharedView) get(key string) any {
	for {
		v.s.mu.Lock()
		e := v.s.entries[v.path]
		if e == nil {
			v.s.mu.Unlock()
			return nil
		}
		owner, t, kept := e.owner, e.table, e.kept
		v.s.mu.Unlock()
		if owner == nil {
			x, _ := kept.(*xtable)
			if x == nil {
				return nil
			}
			for i, k := range x.keys {
				if k == key {
					return x.vals[i]
				}
			}
			return nil
		}
		var out any
		if owner.call(func() { out, _ = luaval.ToGo(t.RawGetString(key)) }) {
			return out
		}
		// The owner stopped meanwhile: its contents are kept now.
	}
}

const sharedModule = `
local mine = module:shared("counters")
local absolute = module:shared("/*/a/counters")
function put(v) mine.value = v end
function get() return tostring(absolute.value) end
function put_table() mine.t = { 1, 2, x = "y" }; local t = mine.t; t[1] = 99; return mine.t[1] .. mine.t.x end
local calls = 0
function put_function() mine.f = { run = function(x) calls = calls + 1; return x .. " run in " .. module.name .. " " .. calls end } end
function call_function() return absolute.f.run("b's call") end
function same() return tostring(rawequal(module:shared("counters"), mine)) end
function real() return tostring(getmetatable(absolute) == nil) end
`

// module:shared is one table per path: in the instance that asked first
// the table itself (the same each time, changed in place), in another a
// proxy whose reads and writes reach it, copied, functions in it running
// in the state that stored them. A relative path is under the module's
// own /host/module/.
func TestModuleShared(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"a": sharedModule, "b": sharedModule})
	a, b := tr.load(t, "a"), tr.load(t, "b")
	if got, _ := callGlobal(a, "same"); got != "true" {
		t.Errorf("module:shared twice in one state: the same table? %s", got)
	}
	if got, _ := callGlobal(a, "real"); got != "true" {
		t.Errorf("the owner's module:shared is a plain table? %s", got)
	}
	if got, _ := callGlobal(b, "real"); got != "false" {
		t.Errorf("another instance's module:shared is a proxy? %s", got)
	}
	if _, err := callGlobal(a, "put", "from a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(b, "get"); got != "from a" {
		t.Errorf("b read /*/a/counters as %q", got)
	}
	if got, _ := callGlobal(a, "get"); got != "from a" {
		t.Errorf("a read its own counters as %q", got)
	}
	if got, err := callGlobal(a, "put_table"); err != nil || got != "99y" {
		t.Errorf("a table changed in place in the owner's shared table: %q %v", got, err)
	}
	if _, err := callGlobal(a, "put_function"); err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(b, "call_function"); got != "b's call run in a 1" {
		t.Errorf("a function stored in a shared table, called from b: %q %v", got, err)
	}
}

// What mod_proxy65 does with its shared tables: userdata (a connection
// there; a coroutine here) and tables as keys, tables changed after being
// stored.
func TestModuleSharedAnyKeys(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"p": `
local sessions, transfers = module:shared("sessions", "transfers")
function run()
	local co = coroutine.create(function() end)
	local session = {}
	sessions[co] = session
	session.sha = "abc"
	transfers[session.sha] = {}
	transfers[session.sha].target = co
	local key = {}
	transfers[key] = true
	return tostring(sessions[co].sha == "abc" and transfers.abc.target == co and transfers[key])
end`})
	p := tr.load(t, "p")
	if got, err := callGlobal(p, "run"); got != "true" {
		t.Errorf("keys and nested writes: %q %v", got, err)
	}
}

// Through a proxy, a write stores a copy: a table read back and changed
// changes the copy only, until written again; nil removes a key; keys of
// any type that crosses (numbers, booleans) work.
func TestModuleSharedProxyWrites(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{
		"owner": `local s = module:shared("/t/s")
function show() local keys = {}; for k, v in pairs(s) do keys[#keys+1] = tostring(k) .. "=" .. tostring(type(v) == "table" and v.n or v) end; table.sort(keys); return table.concat(keys, " ") end`,
		"other": `local s = module:shared("/t/s")
function write()
	s[1] = "one"; s[true] = "yes"; s.t = { n = 1 }
	local copy = s.t; copy.n = 2
	s.gone = "x"; s.gone = nil
end
function write_back() local copy = s.t; copy.n = 3; s.t = copy end`,
	})
	owner, other := tr.load(t, "owner"), tr.load(t, "other")
	if _, err := callGlobal(other, "write"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(owner, "show"); got != "1=one t=1 true=yes" {
		t.Errorf("after writes through a proxy the owner has %q", got)
	}
	if _, err := callGlobal(other, "write_back"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(owner, "show"); got != "1=one t=3 true=yes" {
		t.Errorf("after writing a table back the owner has %q", got)
	}
}

// When the owner stops for good, its table's contents are kept (as in
// Prosody, for the process's life): a proxy reads them on, and the next
// instance asking owns them.
func TestModuleSharedOutlivesOwner(t *testing.T) {
	src := `local s = module:shared("/t/life")
function put(v) s.v = v end
function get() return tostring(s.v) .. " " .. tostring(getmetatable(s) == nil) end`
	tr := newTestRuntime(t, "", map[string]string{"a": src, "b": src, "c": src, "d": src})
	a, b := tr.load(t, "a"), tr.load(t, "b")
	if _, err := callGlobal(a, "put", "kept"); err != nil {
		t.Fatal(err)
	}
	tr.stopInstance(a)
	if got, err := callGlobal(b, "get"); got != "kept false" {
		t.Errorf("b's proxy after the owner stopped: %q %v", got, err)
	}
	// b owns it now (its proxy took it over); c gets a proxy to b's.
	c := tr.load(t, "c")
	if _, err := callGlobal(c, "put", "from c"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(b, "get"); got != "from c false" {
		t.Errorf("b after c wrote: %q", got)
	}
	tr.stopInstance(b)
	tr.stopInstance(c)
	d := tr.load(t, "d")
	if got, _ := callGlobal(d, "get"); got != "from c true" {
		t.Errorf("d, loaded after every owner stopped: %q", got)
	}
}

// noteIn is note read by a callback of inst (which may own the notes).
func noteIn(inst *Instance, key string) any {
	fn, err := inst.L.LoadString(`return module:shared("/test/notes")[...]`)
	if err != nil {
		panic(err)
	}
	res, err := inst.protect("noteIn", fn, 1, lua.LString(key))
	if err != nil {
		return err
	}
	v, _ := luaval.ToGo(res[0])
	return v
}

// An aborted reload gives the old instance its tables back, as real
// tables again, with what the new instance wrote while it loaded.
func TestModuleSharedAbortedReload(t *testing.T) {
	v1 := `local s = module:shared("/t/ab")
s.v = s.v or "v1"
function module.save() return {} end
function get() return tostring(s.v) .. " " .. tostring(s.v2) .. " " .. tostring(getmetatable(s) == nil) end
function live_next()
	local k = next(s)
	local other = next(s, k)
	s[other] = nil
	local r = tostring(next(s, k))
	s[other] = "seen"
	return r
end`
	v2 := `local s = module:shared("/t/ab"); s.v2 = "seen"`
	tr := newTestRuntime(t, `modules_enabled = { "a" }`, map[string]string{"a": v1})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	a := tr.Primaries()[0]
	st, err := tr.Stage(evaluate(t, `modules_enabled = { "a" }`), sourcesOf(map[string]string{"a": v2}))
	if err != nil {
		t.Fatal(err)
	}
	st.Abort()
	if got, err := callGlobal(a, "get"); got != "v1 seen true" {
		t.Errorf("a after the aborted reload: %q %v", got, err)
	}
	// next on the table given back is a table's, not a proxy's (which
	// would go on in the copy it took before v2 was cleared).
	if got, err := callGlobal(a, "live_next"); got != "nil" {
		t.Errorf("next on the table given back: %q %v", got, err)
	}
}

// Instances on several goroutines use one path at once, each through its
// own proxy, while the owner writes too.
func TestModuleSharedConcurrent(t *testing.T) {
	src := `local s = module:shared("/t/many")
function run(me) for i = 1, 200 do s[me] = i; assert(s[me] == i) end; return tostring(s[me]) end`
	mods := map[string]string{}
	for _, n := range []string{"m0", "m1", "m2", "m3"} {
		mods[n] = src
	}
	tr := newTestRuntime(t, "", mods)
	var insts []*Instance
	for _, n := range []string{"m0", "m1", "m2", "m3"} {
		insts = append(insts, tr.load(t, n))
	}
	var wg sync.WaitGroup
	out := make([]string, len(insts))
	for i, inst := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = callGlobal(inst, "run", inst.Name)
		}()
	}
	wg.Wait()
	for i, got := range out {
		if got != "200" {
			t.Errorf("%s: %q", insts[i].Name, got)
		}
		if v := tr.shared.table("/t/many").get(insts[i].Name); v != float64(200) {
			t.Errorf("the table holds %v for %s", v, insts[i].Name)
		}
	}
}
