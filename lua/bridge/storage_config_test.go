package bridge

import (
	"os"
	"path/filepath"
	"testing"
)

// The driver of each store is the one the config names, as Prosody's
// storagemanager picks it: storage by store name, else default_storage,
// else internal (files); a driver moonport lacks fails the open.
func TestStorageDriverFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := "data_path = \"" + dir + "\"\nVirtualHost \"a.example\"\nstorage = { kept = \"memory\", remote = \"sql\" }\n" +
		"VirtualHost \"b.example\"\ndefault_storage = \"memory\""
	tr := newTestRuntime(t, cfg, map[string]string{"s": `
local sm = require "core.storagemanager"
function put(host, store) assert(sm.open(host, store):set("u", { x = 1 })); return select(2, sm.get_driver(host, store)) end
function remote() local s, err = module:open_store("remote"); return tostring(s) .. " " .. tostring(err) end
`})
	inst, err := tr.Load("s", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, store, driver string
		file                bool
	}{
		{"a.example", "kept", "memory", false}, {"a.example", "files", "internal", true}, {"b.example", "files", "memory", false},
	} {
		if got, err := callGlobal(inst, "put", c.host, c.store); got != c.driver || err != nil {
			t.Errorf("%s %s: driver %q %v, want %q", c.host, c.store, got, err, c.driver)
		}
		_, err := os.Stat(filepath.Join(dir, c.host[:1]+"%2eexample", c.store, "u.dat"))
		if (err == nil) != c.file {
			t.Errorf("%s %s: file: %v, want one: %v", c.host, c.store, err, c.file)
		}
	}
	want := `nil storage "sql" for store "remote": moonport has the drivers internal and memory`
	if got, err := callGlobal(inst, "remote"); got != want || err != nil {
		t.Errorf("an sql store: %q %v, want %q", got, err, want)
	}
}
