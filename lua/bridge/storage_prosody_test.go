package bridge

import (
	"path/filepath"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// A module's stores with storage = "sql" are what Prosody's own
// mod_storage_sql reads on the same database: the user's keyval data,
// the host's own (user nil), a map store's key and an archive's items;
// and after core.storagemanager.purge, Prosody finds none of the user's
// data left.
func TestProsodyReadsModuleStoresOnSQL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prosody.sqlite")
	cfg := `storage = "sql"
sql = { driver = "SQLite3", database = "` + db + `" }
VirtualHost "a.example"`
	tr := newTestRuntime(t, cfg, map[string]string{"w": `
local st = require "util.stanza"
function write()
	for _, u in ipairs({ "alice", "bob" }) do
		assert(module:open_store("notes"):set(u, { n = 1, who = u }))
		assert(module:open_store("log", "archive"):append(u, "k-" .. u, st.message({ to = "x@y" }, "hi " .. u), 1000, "x@y"))
	end
	assert(module:open_store("notes"):set(nil, { own = true }))
	assert(module:open_store("marks", "map"):set("bob", "colour", "blue"))
	return "ok"
end
function purge() return tostring(require "core.storagemanager".purge("alice", "a.example")) end`})
	inst, err := tr.Load("w", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "write"); got != "ok" || err != nil {
		t.Fatalf("write: %q %v", got, err)
	}
	const read = `
local notes = driver:open("notes")
for _, u in ipairs({ "alice", "bob" }) do
	local v = notes:get(u)
	print(u, v and v.n, v and v.who, driver:open("marks", "map"):get(u, "colour"))
	for key, msg, when, with in assert(driver:open("log", "archive"):find(u, {})) do
		print(u, key, msg:get_child_text("body"), when, with)
	end
end
print("host", notes:get(nil).own)
`
	want := "alice\t1\talice\tnil\nalice\tk-alice\thi alice\t1000\tx@y\n" +
		"bob\t1\tbob\tblue\nbob\tk-bob\thi bob\t1000\tx@y\nhost\ttrue\n"
	if got := testenv.ProsodySQL(t, db, "a.example", read); got != want {
		t.Errorf("Prosody read:\n%s\nwant:\n%s", got, want)
	}
	if got, err := callGlobal(inst, "purge"); got != "true" || err != nil {
		t.Fatalf("purge: %q %v", got, err)
	}
	want = "alice\tnil\tnil\tnil\n" +
		"bob\t1\tbob\tblue\nbob\tk-bob\thi bob\t1000\tx@y\nhost\ttrue\n"
	if got := testenv.ProsodySQL(t, db, "a.example", read); got != want {
		t.Errorf("after the purge, Prosody read:\n%s\nwant:\n%s", got, want)
	}
}
