package storage

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// Values are copied in and out: changing what was stored, or what Get
// gave, changes nothing in the store; the same host and name reach the
// same data, another host or name does not.
func TestMemoryKeyvalCopies(t *testing.T) {
	m := NewMemory()
	s, _ := m.Open("a.example", "accounts")
	in := &value.Table{Hash: map[any]any{"n": 1.0}}
	if err := s.Set("alice", in); err != nil {
		t.Fatal(err)
	}
	in.Hash["n"] = 2.0
	got, _ := s.Get("alice")
	got.(*value.Table).Hash["n"] = 3.0
	again, _ := m.Open("a.example", "accounts")
	if v, _ := again.Get("alice"); !reflect.DeepEqual(v, &value.Table{Hash: map[any]any{"n": 1.0}}) {
		t.Errorf("stored value changed: %#v", v)
	}
	for _, k := range [][2]string{{"b.example", "accounts"}, {"a.example", "other"}} {
		other, _ := m.Open(k[0], k[1])
		if v, _ := other.Get("alice"); v != nil {
			t.Errorf("%v sees %#v", k, v)
		}
	}
	s.Set("", "host's own")
	users, _ := s.Users()
	sort.Strings(users)
	if !reflect.DeepEqual(users, []string{"", "alice"}) {
		t.Errorf("users: %q", users)
	}
	s.Set("alice", nil)
	if users, _ := s.Users(); len(users) != 1 {
		t.Errorf("users after removing alice: %q", users)
	}
}

// A map store's keys live in the user's table: SetKeys adds and removes
// keys, an emptied table goes, a user whose value is no table fails.
func TestMemoryMap(t *testing.T) {
	s, _ := NewMemory().Open("h", "cron")
	if err := s.SetKeys("", map[string]any{"a": 1.0, "b": "x"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetKey("", "a"); v != 1.0 {
		t.Errorf("a = %#v", v)
	}
	if v, _ := s.GetKey("", "none"); v != nil {
		t.Errorf("none = %#v", v)
	}
	if v, _ := s.Get(""); !reflect.DeepEqual(v, &value.Table{Hash: map[any]any{"a": 1.0, "b": "x"}}) {
		t.Errorf("whole: %#v", v)
	}
	s.SetKeys("", map[string]any{"a": nil, "b": nil})
	if users, _ := s.Users(); len(users) != 0 {
		t.Errorf("emptied table kept: %q", users)
	}
	s.Set("bob", "scalar")
	if err := s.SetKeys("bob", map[string]any{"k": 1.0}); err == nil || !strings.Contains(err.Error(), "not a table") {
		t.Errorf("SetKeys on a string: %v", err)
	}
}

// What is not plain data is refused, naming what it is.
func TestMemoryRefuses(t *testing.T) {
	s, _ := NewMemory().Open("h", "x")
	cyc := &value.Table{Hash: map[any]any{}}
	cyc.Hash["self"] = cyc
	for _, c := range []struct {
		v    any
		want string
	}{
		{&value.Function{}, "*value.Function cannot be stored"},
		{&value.Table{Array: []any{struct{}{}}}, "struct {} cannot be stored"},
		{cyc, "contains itself"},
	} {
		if err := s.Set("u", c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%#v): %v", c.v, err)
		}
		if err := s.SetKeys("u", map[string]any{"k": c.v}); err == nil {
			t.Errorf("SetKeys(%#v) worked", c.v)
		}
	}
	if users, _ := s.Users(); len(users) != 0 {
		t.Errorf("refused values stored: %q", users)
	}
}
