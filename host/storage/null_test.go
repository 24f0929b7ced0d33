package storage

import (
	"errors"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// Prosody's storage "null": every call of every store fails with "no
// data storage active"; nothing is listed.
func TestNull(t *testing.T) {
	var d Null
	s, _ := d.Open("a.example", "accounts")
	a, _ := d.OpenArchive("a.example", "log")
	calls := map[string]func() error{
		"set":      func() error { return s.Set("alice", &value.Table{Hash: map[any]any{"n": 1.0}}) },
		"set_keys": func() error { return s.SetKeys("alice", map[string]any{"k": "v"}) },
		"get":      func() error { _, err := s.Get("alice"); return err },
		"get key":  func() error { _, err := s.GetKey("alice", "k"); return err },
		"users":    func() error { _, err := s.Users(); return err },
		"append":   func() error { _, err := a.Append("alice", "", testStanza("x"), 1, "b"); return err },
		"find":     func() error { _, _, err := a.Find("alice", NewQuery()); return err },
		"set item": func() error { _, err := a.Set("alice", "k", "x", nil, nil); return err },
		"delete":   func() error { _, err := a.Delete("alice", true, NewQuery()); return err },
		"summary":  func() error { _, err := a.Summary("alice", NewQuery()); return err },
		"a users":  func() error { _, err := a.Users(); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrNoStorage) || err.Error() != "no data storage active" {
			t.Errorf("%s: %v, want %q", name, err, ErrNoStorage)
		}
	}
	if st, err := d.Stores(""); len(st) != 0 || err != nil {
		t.Errorf("stores: %v %v", st, err)
	}
}
