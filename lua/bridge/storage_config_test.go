package bridge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonport/moonport/host/storage"
)

// fakeSQL stands in for the SQL driver: each database is a
// storage.Memory; it counts opens and closes by database name.
type fakeSQL struct {
	mu     sync.Mutex
	opens  map[string]int
	closes map[string]int
	fail   error // the next open's error
}

type fakeDB struct {
	*storage.Memory
	f    *fakeSQL
	name string
}

func (d *fakeDB) Close() error {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	d.f.closes[d.name]++
	return nil
}

func (f *fakeSQL) open(_ context.Context, p storage.SQLParams) (sqlDB, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail; err != nil {
		f.fail = nil
		return nil, err
	}
	f.opens[p.Database]++
	return &fakeDB{Memory: storage.NewMemory(), f: f, name: p.Database}, nil
}

func (f *fakeSQL) counts(name string) (opens, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opens[name], f.closes[name]
}

// withFakeSQL makes tr's configured storage open databases with a fake.
func withFakeSQL(tr *testRuntime) *fakeSQL {
	f := &fakeSQL{opens: map[string]int{}, closes: map[string]int{}}
	tr.opts.Storage.(*configuredStorage).sql = newSQLPool(f.open)
	return f
}

// The driver of each store is the one the config names, as Prosody's
// storagemanager picks it: storage by store name, else default_storage,
// else internal (files); "null" answers every call false, "no data
// storage active", as Prosody's null driver.
func TestStorageDriverFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := "data_path = \"" + dir + "\"\nVirtualHost \"a.example\"\nstorage = { kept = \"memory\", remote = \"sql\", none = \"null\" }\n" +
		"VirtualHost \"b.example\"\ndefault_storage = \"memory\""
	tr := newTestRuntime(t, cfg, map[string]string{"s": `
local sm = require "core.storagemanager"
function put(host, store) assert(sm.open(host, store):set("u", { x = 1 })); return select(2, sm.get_driver(host, store)) end
function none() local s = module:open_store("none"); local ok, werr = s:set("u", { x = 1 }); local v, err = s:get("u"); return tostring(ok) .. " " .. tostring(werr) .. "; " .. tostring(v) .. " " .. tostring(err) end
`})
	f := withFakeSQL(tr)
	inst, err := tr.Load("s", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, store, driver string
		file                bool
	}{
		{"a.example", "kept", "memory", false}, {"a.example", "files", "internal", true}, {"b.example", "files", "memory", false},
		{"a.example", "remote", "sql", false},
	} {
		if got, err := callGlobal(inst, "put", c.host, c.store); got != c.driver || err != nil {
			t.Errorf("%s %s: driver %q %v, want %q", c.host, c.store, got, err, c.driver)
		}
		_, err := os.Stat(filepath.Join(dir, c.host[:1]+"%2eexample", c.store, "u.dat"))
		if (err == nil) != c.file {
			t.Errorf("%s %s: file: %v, want one: %v", c.host, c.store, err, c.file)
		}
	}
	if opens, _ := f.counts(filepath.Join(dir, "prosody.sqlite")); opens != 1 {
		t.Errorf("the sql store opened the database %d times, want 1", opens)
	}
	if got, err := callGlobal(inst, "none"); got != "false no data storage active; false no data storage active" || err != nil {
		t.Errorf("a null store: %q %v", got, err)
	}
}

const sqlUser = `
function put(v) local ok, err = module:open_store("notes"):set("u", v); return tostring(ok) .. " " .. tostring(err) end
function get() local v, err = module:open_store("notes"):get("u"); return tostring(v) .. " " .. tostring(err) end
`

// One database per distinct sql option, shared by every module and
// host, opened at the first call; a reload that keeps the option keeps
// it, one that changes it closes it once the new config is in force;
// stopping closes the rest. A failed open is not kept.
func TestSQLDatabasesShared(t *testing.T) {
	cfg := func(db string) string {
		return `storage = "sql"
sql = { driver = "SQLite3", database = "/db/` + db + `" }
VirtualHost "a.example"
modules_enabled = { "one" }
VirtualHost "b.example"
modules_enabled = { "one" }
`
	}
	mods := map[string]string{"one": sqlUser}
	tr := newTestRuntime(t, cfg("first"), mods)
	f := withFakeSQL(tr)
	f.fail = errors.New("connection refused")
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	a, b := instanceOn(tr, "one", "a.example"), instanceOn(tr, "one", "b.example")
	if got, _ := callGlobal(a, "put", "x"); !strings.Contains(got, "nil cannot open the database: connection refused") {
		t.Errorf("a failed open: %q", got)
	}
	for _, inst := range []*Instance{a, b, a} {
		if got, err := callGlobal(inst, "put", "x"); got != "true nil" {
			t.Fatalf("put: %q %v", got, err)
		}
	}
	if o, c := f.counts("/db/first"); o != 1 || c != 0 {
		t.Errorf("opens %d closes %d, want 1 and 0", o, c)
	}
	reload := func(c string) {
		st, err := tr.Stage(evaluate(t, c), sourcesOf(mods))
		if err != nil {
			t.Fatal(err)
		}
		st.Commit()
	}
	reload(cfg("first") + "-- changed\n")
	if o, c := f.counts("/db/first"); o != 1 || c != 0 {
		t.Errorf("after a reload keeping sql: opens %d closes %d", o, c)
	}
	reload(cfg("second"))
	if o, c := f.counts("/db/first"); o != 1 || c != 1 {
		t.Errorf("after a reload changing sql: the old one opens %d closes %d", o, c)
	}
	if instanceOn(tr, "one", "b.example") != b {
		t.Fatal("the module was not kept")
	}
	if got, _ := callGlobal(b, "get"); got != "nil nil" { // a kept module follows the config
		t.Errorf("the new database: %q", got)
	}
	if o, _ := f.counts("/db/second"); o != 1 {
		t.Errorf("the new database opened %d times", o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tr.Stop(ctx)
	if _, c := f.counts("/db/second"); c != 1 {
		t.Errorf("stopping closed the database %d times", c)
	}
}

func instanceOn(tr *testRuntime, name, host string) *Instance {
	for _, inst := range tr.Primaries() {
		if inst.Name == name && inst.Host == host {
			return inst
		}
	}
	return nil
}

// With storage = "sql" on SQLite, keyval, map and archive stores reach
// the database: a second runtime on the same file (another moonport, a
// restart) reads what the first wrote; console listing counts them.
func TestSQLiteStores(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shared.sqlite")
	cfg := `storage = "sql"
sql = { driver = "SQLite3", database = "` + db + `" }
VirtualHost "a.example"`
	mods := map[string]string{"w": `
local st = require "util.stanza"
function write()
	assert(module:open_store("notes"):set("alice", { n = 1 }))
	assert(module:open_store("marks", "map"):set("bob", "k", "v"))
	assert(module:open_store("log", "archive"):append("carol", nil, st.message({ to = "x@y" }, "hi"), 1000, "x@y"))
	return "ok"
end
function read()
	local n = module:open_store("notes"):get("alice").n
	local k = module:open_store("marks", "map"):get("bob", "k")
	local body
	for _, item in module:open_store("log", "archive"):find("carol") do body = item:get_child_text("body") end
	return n .. " " .. k .. " " .. tostring(body)
end`}
	one := newTestRuntime(t, cfg, mods)
	w, err := one.Load("w", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(w, "write"); got != "ok" || err != nil {
		t.Fatalf("write: %q %v", got, err)
	}
	two := newTestRuntime(t, cfg, mods)
	r, err := two.Load("w", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(r, "read"); got != "1 v hi" || err != nil {
		t.Errorf("the other runtime reads %q %v", got, err)
	}
	list, err := two.Stores("a.example")
	var rows []string
	for _, s := range list {
		rows = append(rows, fmt.Sprintf("%s %s %s %s %d", s.Host, s.Name, s.Driver, s.Kind, s.Users))
	}
	if want := "a.example log sql archive 1,a.example marks sql keyval 1,a.example notes sql keyval 1"; strings.Join(rows, ",") != want || err != nil {
		t.Errorf("Stores: %q %v, want %q", strings.Join(rows, ","), err, want)
	}
}
