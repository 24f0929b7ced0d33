package bridge

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moonport/moonport/host/storage"
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

// slowArchives' archive "slow" blocks each Find until release is closed.
type slowArchives struct {
	*storage.Memory
	entered chan struct{}
	release chan struct{}
}

type slowArchive struct {
	storage.Archive
	d *slowArchives
}

func (d *slowArchives) OpenArchive(host, name string) (storage.Archive, error) {
	a, err := d.Memory.OpenArchive(host, name)
	if name == "slow" {
		return &slowArchive{a, d}, err
	}
	return a, err
}

func (s *slowArchive) Find(user string, q storage.Query) ([]storage.Item, int, error) {
	s.d.entered <- struct{}{}
	<-s.d.release
	return s.Archive.Find(user, q)
}

// An archive call that does not answer within storage_timeout returns
// nil and an error to its module, and holds up no other module.
func TestArchiveCallBounded(t *testing.T) {
	d := &slowArchives{Memory: storage.NewMemory(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	defer close(d.release)
	const finder = `function find(store) local it, err = module:open_store(store, "archive"):find("u"); return tostring(it and it()) .. " " .. tostring(err) end`
	tr := newTestRuntime(t, "storage_timeout = 0.2\nVirtualHost \"a.example\"", map[string]string{"a": finder, "b": finder},
		func(o *Options) { o.Storage = d })
	a, _ := tr.Load("a", "a.example")
	b, _ := tr.Load("b", "a.example")
	got := make(chan string, 1)
	go func() { s, _ := callGlobal(a, "find", "slow"); got <- s }()
	<-d.entered
	if s, err := callGlobal(b, "find", "fast"); s != "nil nil" || err != nil {
		t.Errorf("another module's call while one waits: %q %v", s, err)
	}
	select {
	case s := <-got:
		if s != `nil store "slow": no answer within storage_timeout (200ms)` {
			t.Errorf("the slow call: %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the slow call was not bounded")
	}
}
