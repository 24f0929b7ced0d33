package bridge

import (
	"strings"
	"testing"
)

// dictModule has run(code): the code's results, joined with spaces, with
// d a shared dict "t" and shared the library in scope.
const dictModule = `
local shared = require "moonport.shared"
local d = module:shared_dict("t")
function run(code)
	local f = assert(loadstring("local d, shared = ...; " .. code))
	local res = (function(...) return { n = select("#", ...), ... } end)(f(d, shared))
	local out = {}
	for i = 1, res.n do out[i] = tostring(res[i]) end
	return table.concat(out, " ")
end`

func dictRun(t *testing.T, inst *Instance, code string) string {
	t.Helper()
	got, err := callGlobal(inst, "run", code)
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return got
}

// TestSharedDictAPI: OpenResty's results and errors, through Lua.
func TestSharedDictAPI(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"a": dictModule})
	inst := tr.load(t, "a")
	for _, c := range []struct{ code, want string }{
		{`return d:get("k")`, "nil"},
		{`return d:set("k", "v")`, "true nil false"},
		{`return d:get("k")`, "v"},
		{`return d:set("f", 1.5, 0, 7)`, "true nil false"},
		{`return d:get("f")`, "1.5 7"},
		{`return d:set("b", false)`, "true nil false"},
		{`return d:get("b")`, "false"},
		{`return d:set(12, "num key")`, "true nil false"},
		{`return d:get("12")`, "num key"},
		{`return d:add("k", "w")`, "false exists false"},
		{`return d:replace("nope", "w")`, "false not found false"},
		{`return d:replace("k", "w")`, "true nil false"},
		{`return d:safe_add("n", 1)`, "true nil false"},
		{`return d:incr("n", 2)`, "3"},
		{`return d:incr("absent", 1)`, "nil not found false"},
		{`return d:incr("absent", 1, 10)`, "11"},
		{`return d:incr("k", 1)`, "nil not a number false"},
		{`return d:set("k", {})`, "false bad value type"},
		{`return d:get(nil)`, "nil nil key"},
		{`return d:set("", 1)`, "nil empty key"},
		{`return d:set("k", nil), d:get("k")`, "true nil"},
		{`d:set("e", 1, 100) local ttl = d:ttl("e") return ttl > 99 and ttl <= 100`, "true"},
		{`return d:expire("e", 0), d:ttl("e")`, "true 0"},
		{`return d:ttl("gone")`, "nil not found"},
		{`return d:expire("gone", 1)`, "nil not found"},
		{`d:delete("e") return d:get("e")`, "nil"},
		{`return #d:get_keys(), #d:get_keys(2)`, "5 2"},
		{`return d:capacity(), d:free_space() < d:capacity()`, "10485760 true"},
		{`return tostring(d), shared.dict("t") == d, module:shared_dict("t") == d`, "shared dict: t true true"},
		{`local l = shared.list() return #l, l[1].name, l[1].entries, l[1].capacity`, "1 t 5 10485760"},
		{`d:flush_all() return #d:get_keys(), d:flush_expired()`, "0 0"},
		{`return pcall(d.get, {}, "k")`, "false"},
	} {
		got := dictRun(t, inst, c.code)
		if !strings.HasPrefix(got, c.want) || (c.want != "false" && got != c.want) {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
}

// TestSharedDictAcrossStates: two modules and a module's worker copies
// share a dictionary by name; a module reload keeps its entries.
func TestSharedDictAcrossStates(t *testing.T) {
	cfg := `modules_enabled = { "a", "b" }`
	mods := map[string]string{"a": dictModule, "b": dictModule + "\nmodule:set_workers(2)\nmodule:provides('net', { name = 'b', default_port = 1, listener = {} })"}
	tr := newTestRuntime(t, cfg, mods)
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	a, b := tr.loadedModule("*", "a"), tr.loadedModule("*", "b")
	copyB := b.Copies()[0]
	dictRun(t, a, `d:set("from", "a")`)
	for _, inst := range []*Instance{a, b, copyB} {
		dictRun(t, inst, `d:incr("n", 1, 0)`)
	}
	if got := dictRun(t, copyB, `return d:get("from"), d:get("n")`); got != "a 3" {
		t.Errorf("copy of b sees %q", got)
	}
	mods["a"] = dictModule + "\n-- changed"
	st, err := tr.Stage(evaluate(t, cfg), sourcesOf(mods))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	a2 := tr.loadedModule("*", "a")
	if a2 == a {
		t.Fatal("a was not reloaded")
	}
	if got := dictRun(t, a2, `return d:get("from"), d:get("n")`); got != "a 3" {
		t.Errorf("after reload: %q", got)
	}
}

// TestSharedDictSizes: shared_dicts sizes a dictionary; a config reload
// resizes it in place (a smaller one evicts its least recently used
// entries); a bad value fails the load and the reload.
func TestSharedDictSizes(t *testing.T) {
	cfg := `shared_dicts = { t = "1m" }; modules_enabled = { "a" }`
	tr := newTestRuntime(t, cfg, map[string]string{"a": dictModule})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	a := tr.loadedModule("*", "a")
	if got := dictRun(t, a, `for i = 1, 5000 do d:set("k" .. i, i) end return d:capacity(), d:get("k1")`); got != "1048576 1" {
		t.Fatalf("1m: %q", got)
	}
	st, err := tr.Stage(evaluate(t, `shared_dicts = { t = "64k" }; modules_enabled = { "a" }`), tr.currentSources())
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if got := dictRun(t, a, `return d:capacity(), d:get("k5000"), d:get("k2"), d:free_space() >= 0`); got != "65536 5000 nil true" {
		t.Errorf("after shrinking: %q", got)
	}
	for _, bad := range []string{`shared_dicts = { t = "lots" }`, `shared_dicts = "10M"`, `shared_dicts = { t = 100 }`} {
		if _, err := tr.Stage(evaluate(t, bad), tr.currentSources()); err == nil || !strings.Contains(err.Error(), "shared_dicts") {
			t.Errorf("reload with %s: %v", bad, err)
		}
		tr2 := newTestRuntime(t, bad, nil)
		if err := tr2.LoadAll(); err == nil || !strings.Contains(err.Error(), "test.cfg.lua:") {
			t.Errorf("start with %s: %v", bad, err)
		}
	}
}

// TestSharedDictArgErrors: the errors each kind of argument check gives,
// the same for every method sharing it.
func TestSharedDictArgErrors(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"a": dictModule})
	inst := tr.load(t, "a")
	for _, c := range []struct{ code, want string }{
		{`return pcall(d.get, {}, "k")`, "expected a shared dict (call its methods with ':', as dict:get(key))"},
		{`return pcall(d.capacity, "t")`, "expected a shared dict (call its methods with ':', as dict:get(key))"},
		{`return pcall(getmetatable(d).__tostring, {})`, "expected a shared dict"},
		{`return pcall(d.get, d, {})`, "the key must be a string or a number, not a table"},
		{`return pcall(d.set, d, true, 1)`, "the key must be a string or a number, not a boolean"},
		{`return pcall(shared.dict, "")`, "a shared dict needs a name"},
		{`return pcall(module.shared_dict, module, "")`, "a shared dict needs a name"},
		{`return pcall(d.incr, d, "n", 1, "ten")`, "init must be a number"},
		{`return d:delete(nil)`, "nil nil key"},
		{`return d:incr("", 1)`, "nil empty key"},
		{`return d:get_stale("")`, "nil empty key"},
		{`return d:ttl(nil)`, "nil nil key"},
		{`return d:expire("", 1)`, "nil empty key"},
		{`return d:add(nil, 1)`, "nil nil key"},
	} {
		if got := dictRun(t, inst, c.code); !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to contain %q", c.code, got, c.want)
		}
	}
}
