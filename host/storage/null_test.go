package storage

import (
	"errors"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// Prosody's storage "null": writes succeed and are dropped, reads find
// nothing; values no driver stores are refused all the same.
func TestNull(t *testing.T) {
	var d Null
	s, _ := d.Open("a.example", "accounts")
	if err := s.Set("alice", &value.Table{Hash: map[any]any{"n": 1.0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeys("alice", map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("alice"); v != nil || err != nil {
		t.Errorf("get: %v %v", v, err)
	}
	if v, err := s.GetKey("alice", "k"); v != nil || err != nil {
		t.Errorf("get key: %v %v", v, err)
	}
	if err := s.Set("alice", func() {}); err == nil {
		t.Error("a function was taken")
	}
	if err := s.Set("alice", testStanza("x")); err == nil {
		t.Error("a keyval store took a stanza")
	}
	a, _ := d.OpenArchive("a.example", "log")
	k, err := a.Append("alice", "", testStanza("x"), 1, "b")
	if len(k) != 24 || err != nil {
		t.Errorf("append: %q %v", k, err)
	}
	if _, err := a.Append("alice", "", nil, 1, "b"); !errors.Is(err, ErrUnsupportedDatatype) {
		t.Errorf("append nil: %v", err)
	}
	if items, total, err := a.Find("alice", Query{Limit: -1, Total: true}); len(items) != 0 || total != 0 || err != nil {
		t.Errorf("find: %v %d %v", items, total, err)
	}
	if _, _, err := a.Find("alice", Query{Limit: -1, After: k}); !errors.Is(err, ErrItemNotFound) {
		t.Errorf("find after: %v", err)
	}
	if ok, err := a.Set("alice", k, "x", nil, nil); ok || err != nil {
		t.Errorf("set: %v %v", ok, err)
	}
	if n, err := a.Delete("alice", true, NewQuery()); n != 0 || err != nil {
		t.Errorf("delete: %v %v", n, err)
	}
	if s, err := a.Summary("alice", NewQuery()); len(s) != 0 || err != nil {
		t.Errorf("summary: %v %v", s, err)
	}
	for _, f := range []func() ([]string, error){s.Users, a.Users} {
		if u, err := f(); len(u) != 0 || err != nil {
			t.Errorf("users: %v %v", u, err)
		}
	}
	if st, err := d.Stores(""); len(st) != 0 || err != nil {
		t.Errorf("stores: %v %v", st, err)
	}
}
