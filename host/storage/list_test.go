package storage

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/value"
)

// Both local drivers list their stores with a count of users (the
// host's own data is no user, but its store is listed); the internal
// one from the data folder (a .list file is an archive's).
func TestListers(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []interface {
		Driver
		Lister
	}{&Internal{Dir: func() string { return dir }}, NewMemory()} {
		a, _ := d.Open("a.example", "visits")
		a.Set("alice", "x")
		a.Set("bob", "y")
		a.Set("", "host's own")
		own, _ := d.Open("b.example", "settings")
		own.Set("", &value.Table{Hash: map[any]any{"k": "v"}})
		b, _ := d.Open("b.example", "notes")
		b.Set("carol", "z")
		d.Open("b.example", "empty")
		want := []StoreInfo{{"a.example", "visits", KindKeyval, 2}, {"b.example", "notes", KindKeyval, 1}, {"b.example", "settings", KindKeyval, 0}}
		got, err := d.Stores("")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%T: Stores(\"\") = %v, %v; want %v", d, got, err, want)
		}
		got, _ = d.Stores("b.example")
		if !reflect.DeepEqual(got, want[1:]) {
			t.Errorf("%T: Stores(b.example) = %v", d, got)
		}
	}
	mem := NewMemory()
	a, _ := mem.OpenArchive("b.example", "log")
	a.Append("carol", "", "an item", 1, "")
	a.Append("dan", "", "an item", 1, "")
	if got, _ := mem.Stores(""); !reflect.DeepEqual(got, []StoreInfo{{"b.example", "log", KindArchive, 2}}) {
		t.Errorf("memory archives: %v", got)
	}
	m := &datamanager.Manager{Dir: dir}
	if err := os.WriteFile(m.Path("carol", "b.example", "notes", "list"), []byte("item({});\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := (&Internal{Dir: func() string { return dir }}).Stores("b.example")
	if want := []StoreInfo{{"b.example", "notes", KindKeyval, 1}, {"b.example", "notes", KindArchive, 1}, {"b.example", "settings", KindKeyval, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("with an archive: %v", got)
	}
}

// A store being written holds up no other store of the internal driver.
func TestInternalLocksPerStore(t *testing.T) {
	dir := t.TempDir()
	d := &Internal{Dir: func() string { return dir }}
	unlock := d.lock("a.example", "slow")
	defer unlock()
	s, _ := d.Open("a.example", "other")
	done := make(chan error, 1)
	go func() { done <- s.SetKeys("alice", map[string]any{"k": "v"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write to one store waited for another store's lock")
	}
}
