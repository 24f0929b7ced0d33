package bridge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userDataModule writes alice's and bob's data in stores on three
// drivers and reads it back through core.storagemanager.
const userDataModule = `
local sm = require "core.storagemanager"
local st = require "util.stanza"
local function list(it, err)
	if not it then return tostring(it) .. " " .. tostring(err) end
	local out = {}
	for s in it do out[#out + 1] = s end
	return table.concat(out, ",")
end
function write()
	for _, u in ipairs({ "alice", "bob" }) do
		assert(module:open_store("roster"):set(u, { x = 1 }))
		assert(module:open_store("notes"):set(u, { x = 1 }))
		assert(module:open_store("log", "archive"):append(u, nil, st.message({}, "hi"), 1000, "x@y"))
	end
	assert(module:open_store("notes"):set(nil, { own = 1 }))
	return "ok"
end
function stores(store, user, typ)
	local d, name = sm.get_driver("a.example", store)
	if user == "true" then user = true elseif user == "nil" then user = nil end
	return name .. " " .. d.name .. ": " .. list(d:stores(user, typ))
end
function pinned()
	local files, sqldb = sm.get_driver("a.example", "notes"), sm.get_driver("a.example", "log")
	assert(files:open("roster"):set("carol", { y = 2 }))
	local other = sqldb:open("other", "archive")
	assert(other:append("carol", nil, st.message({}, "x"), 1, "x@y"))
	local n = 0
	for _ in sm.open("a.example", "other", "archive"):find("carol") do n = n + 1 end
	return tostring(sm.open("a.example", "roster"):get("carol")) .. " " .. files:open("roster"):get("carol").y
		.. " " .. tostring(other.caps.quota) .. " " .. n .. " " .. list(sqldb:stores("carol", "archive"))
end
function purge(user) local ok, err = sm.purge(user, "a.example"); return tostring(ok) .. " " .. tostring(err) end
function driver_purge(store, user)
	local d = sm.get_driver("a.example", store)
	return tostring(d:purge(user))
end
function left()
	local out = {}
	for _, u in ipairs({ "alice", "bob" }) do
		local n = 0
		for _ in module:open_store("log", "archive"):find(u) do n = n + 1 end
		out[#out + 1] = u .. "=" .. tostring(module:open_store("roster"):get(u) ~= nil) .. ","
			.. tostring(module:open_store("notes"):get(u) ~= nil) .. "," .. n
	end
	return table.concat(out, " ") .. " own=" .. tostring(module:open_store("notes"):get(nil) ~= nil)
end
`

// core.storagemanager reaches a user's data on the driver each store is
// on: get_driver names it, its stores(username, typ) lists the stores
// (Prosody's username: a name, nil for the host, true for any user) and
// its purge(username) removes the user's data from that driver only;
// purge(username, host) removes it from every driver the host uses.
func TestStoragemanagerUserData(t *testing.T) {
	dir := t.TempDir()
	cfg := `data_path = "` + dir + `"
VirtualHost "a.example"
storage = { roster = "memory", log = "sql", none = "null" }
sql = { driver = "SQLite3", database = "` + filepath.Join(dir, "db.sqlite") + `" }`
	tr := newTestRuntime(t, cfg, map[string]string{"u": userDataModule})
	inst, err := tr.Load("u", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "write"); got != "ok" || err != nil {
		t.Fatalf("write: %q %v", got, err)
	}
	for _, c := range [][2]string{
		{"roster alice keyval", "memory memory: roster"},
		{"notes alice keyval", "internal internal: notes"},
		{"notes nil keyval", "internal internal: notes"},
		{"notes true map", "internal internal: notes"},
		{"log alice archive", "sql sql: log"},
		{"log alice keyval", "sql sql: "},
		{"log carol archive", "sql sql: "},
		{"none alice keyval", "null null: false no data storage active"},
	} {
		var args []any
		for _, a := range strings.Fields(c[0]) {
			args = append(args, a)
		}
		if got, err := callGlobal(inst, "stores", args...); got != c[1] || err != nil {
			t.Errorf("stores %s = %q %v, want %q", c[0], got, err, c[1])
		}
	}
	// A driver object opens on its own driver, not the one the config
	// names for the store: roster (memory) on internal, other
	// (internal) on sql.
	if got, err := callGlobal(inst, "pinned"); got != "nil 2 nil 0 other" || err != nil {
		t.Errorf("pinned: %q %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a%2eexample", "roster", "carol.dat")); err != nil {
		t.Errorf("the internal driver's roster: %v", err)
	}
	if got, err := callGlobal(inst, "driver_purge", "roster", "bob"); got != "true" || err != nil {
		t.Errorf("memory driver:purge: %q %v", got, err)
	}
	if got, _ := callGlobal(inst, "left"); got != "alice=true,true,1 bob=false,true,1 own=true" {
		t.Errorf("after memory driver:purge(bob): %q", got)
	}
	if got, err := callGlobal(inst, "purge", ""); got != `nil purge needs a user name: the host's own data (user "") is not purged` || err != nil {
		t.Errorf("purge of no user: %q %v", got, err)
	}
	if got, err := callGlobal(inst, "purge", "alice"); got != "true nil" || err != nil {
		t.Errorf("purge: %q %v", got, err)
	}
	if got, _ := callGlobal(inst, "left"); got != "alice=false,false,0 bob=false,true,1 own=true" {
		t.Errorf("after purge(alice): %q", got)
	}
}
