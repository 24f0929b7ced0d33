package bridge

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/moonport/moonport/host/storage"
)

// slowDriver's store and archive "slow" block each Get and Find until
// release is closed.
type slowDriver struct {
	*storage.Memory
	entered chan struct{}
	release chan struct{}
}

type slowStore struct {
	storage.Store
	d *slowDriver
}

type slowArchive struct {
	storage.Archive
	d *slowDriver
}

func (d *slowDriver) Open(host, name string) (storage.Store, error) {
	st, err := d.Memory.Open(host, name)
	if name == "slow" {
		return &slowStore{st, d}, err
	}
	return st, err
}

func (d *slowDriver) OpenArchive(host, name string) (storage.Archive, error) {
	a, err := d.Memory.OpenArchive(host, name)
	if name == "slow" {
		return &slowArchive{a, d}, err
	}
	return a, err
}

func (d *slowDriver) wait() {
	d.entered <- struct{}{}
	<-d.release
}

func (s *slowStore) Get(user string) (any, error) {
	s.d.wait()
	return s.Store.Get(user)
}

func (s *slowArchive) Find(user string, q storage.Query) ([]storage.Item, int, error) {
	s.d.wait()
	return s.Archive.Find(user, q)
}

const storeGetter = `function get(store) local v, err = module:open_store(store):get("u"); return tostring(v) .. " " .. tostring(err) end
function find(store) local it, err = module:open_store(store, "archive"):find("u"); return tostring(it and it()) .. " " .. tostring(err) end`

// A store call, keyval or archive, that does not answer within
// storage_timeout returns nil and an error to its module, and holds up
// no other module meanwhile; the wait does not count against
// lua_timeout.
func TestStoreCallBounded(t *testing.T) {
	d := &slowDriver{Memory: storage.NewMemory(), entered: make(chan struct{}, 2), release: make(chan struct{})}
	defer close(d.release)
	tr := newTestRuntime(t, "storage_timeout = 0.2\nVirtualHost \"a.example\"", map[string]string{"a": storeGetter, "b": storeGetter},
		func(o *Options) { o.Storage = d })
	a, _ := tr.Load("a", "a.example")
	b, _ := tr.Load("b", "a.example")
	for _, call := range []string{"get", "find"} {
		got := make(chan string, 1)
		go func() { s, _ := callGlobal(a, call, "slow"); got <- s }()
		<-d.entered
		if s, err := callGlobal(b, call, "fast"); s != "nil nil" || err != nil {
			t.Errorf("%s: another module's call while one waits: %q %v", call, s, err)
		}
		select {
		case s := <-got:
			if s != `nil store "slow": no answer within storage_timeout (200ms)` {
				t.Errorf("%s: the slow call: %q", call, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the slow call was not bounded", call)
		}
	}

	tr2 := newTestRuntime(t, "lua_timeout = 0.1\nstorage_timeout = 0.4\nVirtualHost \"a.example\"", map[string]string{"a": storeGetter},
		func(o *Options) { o.Storage = d })
	c, _ := tr2.Load("a", "a.example")
	type outcome struct {
		s   string
		err error
	}
	out := make(chan outcome, 1)
	go func() { s, err := callGlobal(c, "get", "slow"); out <- outcome{s, err} }()
	<-d.entered
	select {
	case o := <-out:
		if want := `nil store "slow": no answer within storage_timeout (400ms)`; o.s != want || o.err != nil {
			t.Errorf("a wait longer than lua_timeout: %q %v, want %q and the callback going on", o.s, o.err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call was not bounded by storage_timeout")
	}
}

// Calls on a driver that never waits (memory, null) run inline, without
// the bound's goroutine and timer; the others are bounded. The choice
// follows the config in force, store by store, a reload too.
func TestStoreCallInlineOnlyWithoutIO(t *testing.T) {
	cfg := func(storage string) string {
		return "storage = " + storage + "\ndata_path = \"" + filepath.ToSlash(t.TempDir()) + "\"\nVirtualHost \"a.example\""
	}
	mods := map[string]string{"s": storeGetter}
	tr := newTestRuntime(t, cfg(`{ kept = "memory", none = "null", files = "internal", db = "sql" }`), mods)
	c := tr.opts.Storage.(*configuredStorage)
	for store, want := range map[string]bool{"kept": true, "none": true, "files": false, "db": false} {
		st, _ := c.Open("a.example", store)
		a, _ := c.OpenArchive("a.example", store)
		if b := bound(nil, store, st); (b.route != nil && b.route.waitless()) != want {
			t.Errorf("store %s: inline %v, want %v", store, !want, want)
		}
		if b := bound(nil, store, a); (b.route != nil && b.route.waitless()) != want {
			t.Errorf("archive %s: inline %v, want %v", store, !want, want)
		}
	}
	st, err := tr.Stage(evaluate(t, cfg(`"internal"`)), sourcesOf(mods))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	kept, _ := c.Open("a.example", "kept")
	if b := bound(nil, "kept", kept); b.route.waitless() {
		t.Error("a store moved to internal by a reload still runs inline")
	}
}
