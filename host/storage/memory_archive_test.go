package storage

import (
	"reflect"
	"testing"
)

// The memory driver lists its archives beside its keyval stores, with
// a count of users (the host's own is none); an emptied archive is gone.
func TestMemoryListsArchives(t *testing.T) {
	m := NewMemory()
	s, _ := m.Open("a.example", "log")
	s.Set("alice", "x")
	a, _ := m.OpenArchive("a.example", "log")
	a.Append("alice", "", "x", 1, "")
	a.Append("", "", "host's own", 1, "")
	b, _ := m.OpenArchive("b.example", "log")
	b.Append("bob", "", "y", 1, "")
	want := []StoreInfo{{"a.example", "log", KindKeyval, 1}, {"a.example", "log", KindArchive, 1}, {"b.example", "log", KindArchive, 1}}
	if got, err := m.Stores(""); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Stores: %v %v", got, err)
	}
	b.Delete("bob", false, NewQuery())
	if got, _ := m.Stores("b.example"); len(got) != 0 {
		t.Errorf("after emptying b.example's: %v", got)
	}
}
