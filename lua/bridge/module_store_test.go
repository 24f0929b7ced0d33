package bridge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const storeWriter = `
local kv = module:open_store("notes")
local m = module:open_store("marks", "map")
local t = { n = 1, list = { "a", "b" } }
assert(kv:set("alice", t) == true)
t.n = 2 -- after set: not seen by the store
local got = kv:get("alice")
got.list[1] = "changed" -- a copy: not seen by the store either
m:set(nil, "x", 10)
m:set_keys(nil, { y = "yes", z = true })
m:set_keys(nil, { z = m.remove })
function read()
	local v = kv:get("alice")
	return v.n .. " " .. table.concat(v.list, ",") .. " " .. tostring(kv:get("bob"))
		.. " " .. m:get(nil, "x") .. " " .. m:get(nil, "y") .. " " .. tostring(m:get(nil, "z"))
end
function store_function() return kv:set("alice", { f = print }) end
function store_cycle() local t = {}; t.t = t; return m:set_keys("alice", { k = t }) end
kv:set(nil, "the host's own") -- not a user
function count_users() local n = 0; for _ in kv:users() do n = n + 1 end; return tostring(n) end
function all_users()
	m:set("bob", "x", 1); m:set("carol", "x", 2); m:set("carol", "y", 3)
	local all = m:get_all("x")
	local before = all.bob .. all.carol .. tostring(all[""])
	assert(m:delete_all("x") == true)
	return before .. " " .. tostring(m:get_all("x")) .. " " .. tostring(m:get("carol", "y"))
end
`

const storeReader = `function read() return tostring(module:open_store("marks", "map"):get(nil, "x")) .. " " .. tostring((module:open_store("notes"):get("alice") or {}).n) end`

// module:open_store's keyval and map stores: values copied in and out,
// map keys set and removed, a function refused with an error naming it;
// another module of the same host reads the same stores (and one of
// another host does not), and the data outlives a reload of the module.
func TestOpenStore(t *testing.T) {
	cfg := "VirtualHost \"a.example\"\nmodules_enabled = { \"reader\" }\nVirtualHost \"b.example\""
	tr := newTestRuntime(t, cfg, map[string]string{"writer": storeWriter, "reader": storeReader})
	w, err := tr.Load("writer", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(w, "read"); got != "1 a,b nil 10 yes nil" {
		t.Errorf("read: %q %v", got, err)
	}
	if _, err := callGlobal(w, "store_function"); err == nil || !strings.Contains(err.Error(), "store:set(): a function cannot be used here") {
		t.Errorf("storing a function: %v", err)
	}
	if _, err := callGlobal(w, "store_cycle"); err == nil || !strings.Contains(err.Error(), "store:set_keys(): table nested more than 64 levels deep") {
		t.Errorf("storing a table inside itself: %v", err)
	}
	if got, _ := callGlobal(w, "count_users"); got != "1" {
		t.Errorf("users: %s", got)
	}
	if got, err := callGlobal(w, "all_users"); got != "12nil nil 3" {
		t.Errorf("get_all, delete_all: %q %v", got, err)
	}
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	b, err := tr.Load("reader", "b.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(b, "read"); got != "nil nil" {
		t.Errorf("reader on b.example: %q", got)
	}
	old := readerOn(tr, "a.example")
	st, err := tr.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"writer": storeWriter, "reader": storeReader + "\n-- changed"}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	r := readerOn(tr, "a.example")
	if r == nil || r == old {
		t.Fatal("the reader on a.example was not reloaded")
	}
	if got, _ := callGlobal(r, "read"); got != "10 1" {
		t.Errorf("reader on a.example after a reload: %q", got)
	}
}

func readerOn(tr *testRuntime, host string) *Instance {
	for _, inst := range tr.Primaries() {
		if inst.Name == "reader" && inst.Host == host {
			return inst
		}
	}
	return nil
}

// A store type Prosody's storage does not have is an XMPP server's
// (a driver's own): the module fails, naming the store type, and counts
// as XMPP-only.
func TestOpenStoreOtherTypeIsXMPP(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "a.example"`, map[string]string{"mam": `local a = module:open_store("blobs", "blob")`})
	_, err := tr.Load("mam", "a.example")
	var le *loadError
	if err == nil || !errors.As(err, &le) || !strings.Contains(le.needsXMPP, `"blob"`) ||
		!strings.Contains(err.Error(), `store type "blob" is not provided by moonport (XMPP storage)`) {
		t.Errorf("blob store: %v", err)
	}
}

// A global module (module:set_global(), as every net service is) gets a
// working store of its own under the host "*" (Prosody gives it a null
// store), in Prosody's data layout ("%2a"); module:context(host) opens
// that host's store, the same data a module of the host reads.
func TestGlobalModuleStore(t *testing.T) {
	dir := t.TempDir()
	cfg := "data_path = \"" + dir + "\"\nVirtualHost \"a.example\"\nmodules_enabled = { \"reader\" }"
	tr := newTestRuntime(t, cfg, map[string]string{"reader": storeReader, "global": `module:set_global()
function run()
	assert(module:open_store("notes"):set("alice", { n = 7 }))
	assert(module:context("a.example"):open_store("notes"):set("alice", { n = 1 }))
	assert(module:context("a.example"):open_store("marks", "map"):set(nil, "x", 10))
	return tostring(module:open_store("notes"):get("alice").n)
end`})
	g := tr.load(t, "global")
	if got, err := callGlobal(g, "run"); got != "7" || err != nil {
		t.Fatalf("the global module's own store: %q %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "%2a", "notes", "alice.dat")); err != nil {
		t.Errorf("the global module's store is not under %%2a: %v", err)
	}
	r, err := tr.Load("reader", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(r, "read"); got != "10 1" {
		t.Errorf("a.example's module reads %q of what the global module wrote through module:context", got)
	}
}
