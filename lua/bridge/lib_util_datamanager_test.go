package bridge

import (
	"os"
	"path/filepath"
	"testing"
)

// A module of host a.example using util.datamanager, module:open_store
// and core.storagemanager on the same data.
const dataModule = `
local dm = require "util.datamanager"
local sm = require "core.storagemanager"
function via_dm()
	assert(dm.store("al ice", "a.example", "notes", { n = 1, list = { "x", "y" } }))
	assert(dm.list_append("al ice", "a.example", "log", { e = "in" }))
	assert(dm.list_append("al ice", "a.example", "log", "out"))
	local v = module:open_store("notes"):get("al ice")
	local l = dm.list_load("al ice", "a.example", "log")
	return v.n .. table.concat(v.list) .. " " .. #l .. l[1].e .. l[2]
end
function via_store()
	assert(module:open_store("marks", "map"):set("bob", "k", "v"))
	local m = sm.open("a.example", "marks", "map")
	local users = {}
	for u in dm.users("a.example", "marks") do users[#users + 1] = u end
	local stores = {}
	for s in dm.stores("bob", "a.example") do stores[#stores + 1] = s end
	local driver, name = sm.get_driver("a.example", "marks")
	return m:get("bob", "k") .. " " .. dm.load("bob", "a.example", "marks").k .. " " .. table.concat(users, ",")
		.. " " .. table.concat(stores, ",") .. " " .. name .. " " .. driver:open("marks", "map"):get("bob", "k")
end
function purge()
	assert(sm.purge("al ice", "a.example"))
	return tostring(dm.load("al ice", "a.example", "notes")) .. " " .. tostring(dm.list_load("al ice", "a.example", "log"))
end
function path() return dm.getpath("u/../x", "a.example", "s/..", "list") .. " " .. dm.path_decode(dm.path_encode("a.b@c")) end
function load_bad() return tostring(select(2, dm.load("evil", "a.example", "notes"))) end
function callbacks()
	local function drop(user, host, store, data)
		if store == "secret" then return false end
		return user, host, store .. "_seen", data
	end
	assert(dm.add_callback(drop))
	assert(not dm.add_callback(drop))
	dm.store("u", "a.example", "secret", { x = 1 })
	dm.store("u", "a.example", "plain", { x = 1 })
	assert(dm.remove_callback(drop))
	dm.store("u", "a.example", "secret", { x = 2 })
	return tostring(dm.load("u", "a.example", "secret").x) .. " " .. tostring(dm.load("u", "a.example", "plain_seen").x)
end
function store_function() return tostring(pcall(dm.store, "u", "a.example", "s", { f = print })) end
`

func dataRuntime(t *testing.T) (*testRuntime, *Instance, string) {
	dir := t.TempDir()
	tr := newTestRuntime(t, "data_path = \""+dir+"\"\nVirtualHost \"a.example\"", map[string]string{"data": dataModule})
	inst, err := tr.Load("data", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	return tr, inst, dir
}

// util.datamanager, module:open_store and core.storagemanager reach the
// same files, in Prosody's places in the data folder.
func TestDatamanagerSharesStores(t *testing.T) {
	_, inst, dir := dataRuntime(t)
	for _, c := range [][2]string{
		{"via_dm", "1xy 2inout"},
		{"via_store", "v v bob marks internal v"},
		{"purge", "nil nil"},
		{"path", filepath.Join(dir, "a%2eexample", "s%2f%2e%2e", "u%2f%2e%2e%2fx.list") + " a.b@c"},
		{"callbacks", "2 1"},
	} {
		if got, err := callGlobal(inst, c[0]); got != c[1] || err != nil {
			t.Errorf("%s: %q %v, want %q", c[0], got, err, c[1])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a%2eexample", "marks", "bob.dat")); err != nil {
		t.Errorf("map store's file: %v", err)
	}
	if got, _ := callGlobal(inst, "store_function"); got != "false" {
		t.Errorf("storing a function: %q", got)
	}
}

// A data file holding code is refused, not run.
func TestDatamanagerRunsNoCode(t *testing.T) {
	tr, inst, dir := dataRuntime(t)
	os.MkdirAll(filepath.Join(dir, "a%2eexample", "notes"), 0o750)
	marker := filepath.Join(dir, "ran")
	evil := `return { x = os.remove("` + marker + `") }`
	os.WriteFile(marker, nil, 0o600)
	os.WriteFile(filepath.Join(dir, "a%2eexample", "notes", "evil.dat"), []byte(evil), 0o640)
	if got, err := callGlobal(inst, "load_bad"); got != "Error reading storage" || err != nil {
		t.Errorf("load: %q %v", got, err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the data file's code ran")
	}
	tr.log.wait(t, "level=error", "evil.dat")
}
