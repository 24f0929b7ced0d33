package bridge

import (
	"os"
	"path/filepath"
	"testing"
)

// Archive stores follow the storage config as keyval stores do: files
// for internal, none for memory and sql (the database opened once),
// and for null every call answers false, "no data storage active", as
// Prosody's null driver.
func TestArchiveDriverFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := "data_path = \"" + dir + "\"\nVirtualHost \"a.example\"\nstorage = { kept = \"memory\", remote = \"sql\", none = \"null\" }"
	tr := newTestRuntime(t, cfg, map[string]string{"s": `
function put(store)
	local a = module:open_store(store, "archive")
	local k, err = a:append("u", nil, { x = 1 }, 1, "w")
	if not k then return tostring(k) .. " " .. err end
	local n = 0
	for _, v in a:find("u") do n = n + v.x end
	return tostring(n)
end`})
	f := withFakeSQL(tr)
	inst, err := tr.Load("s", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		store, want string
		file        bool
	}{{"kept", "1", false}, {"files", "1", true}, {"remote", "1", false}, {"none", "false no data storage active", false}} {
		if got, err := callGlobal(inst, "put", c.store); got != c.want || err != nil {
			t.Errorf("%s: %q %v, want %q", c.store, got, err, c.want)
		}
		_, err := os.Stat(filepath.Join(dir, "a%2eexample", c.store, "u.list"))
		if (err == nil) != c.file {
			t.Errorf("%s: file: %v, want one: %v", c.store, err, c.file)
		}
	}
	if opens, _ := f.counts(filepath.Join(dir, "prosody.sqlite")); opens != 1 {
		t.Errorf("the sql archive opened the database %d times, want 1", opens)
	}
}
