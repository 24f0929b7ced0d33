package storage

import (
	"reflect"
	"sort"
	"testing"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// The behaviour every driver shares, as table-driven suites over a
// constructor: each case gets a fresh, empty driver. A driver's test
// runs TestKeyvalConformance's cases through runKeyvalConformance, and
// (when it has archives) runArchiveConformance.

type keyvalCase struct {
	name string
	run  func(t *testing.T, d Driver)
}

func runKeyvalConformance(t *testing.T, newDriver func(t *testing.T) Driver) {
	for _, c := range keyvalCases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newDriver(t)) })
	}
}

func TestKeyvalConformance(t *testing.T) {
	eachDriver(t, func(t *testing.T, newDriver func(t *testing.T) testDriver) {
		runKeyvalConformance(t, func(t *testing.T) Driver { return newDriver(t) })
	})
}

// testDriver is what every driver of this package is.
type testDriver interface {
	Driver
	ArchiveDriver
	Lister
	UserStoreLister
	Purger
}

// eachDriver runs suite on every driver that keeps data (memory,
// internal, SQLite, PostgreSQL); newDriver gives each case a fresh,
// empty one.
func eachDriver(t *testing.T, suite func(t *testing.T, newDriver func(t *testing.T) testDriver)) {
	t.Run("memory", func(t *testing.T) {
		suite(t, func(*testing.T) testDriver { return NewMemory() })
	})
	t.Run("internal", func(t *testing.T) {
		suite(t, func(t *testing.T) testDriver {
			dir := t.TempDir()
			return &Internal{Dir: func() string { return dir }}
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		suite(t, func(t *testing.T) testDriver { return openTestSQLite(t) })
	})
	t.Run("postgresql", func(t *testing.T) {
		srv := testenv.Postgres(t)
		suite(t, func(t *testing.T) testDriver { return openTestPostgres(t, srv) })
	})
}

func tbl(array []any, hash map[any]any) *value.Table { return &value.Table{Array: array, Hash: hash} }

// same compares storable values, an empty hash or array being no hash or
// array, as a Lua table cannot tell them apart.
func same(a, b any) bool {
	ta, okA := a.(*value.Table)
	tb, okB := b.(*value.Table)
	if !okA || !okB {
		if sa, ok := a.(*Stanza); ok {
			if sb, ok := b.(*Stanza); ok {
				return same(sa.Tree, sb.Tree)
			}
		}
		return reflect.DeepEqual(a, b)
	}
	if len(ta.Array) != len(tb.Array) || len(ta.Hash) != len(tb.Hash) {
		return false
	}
	for i := range ta.Array {
		if !same(ta.Array[i], tb.Array[i]) {
			return false
		}
	}
	for k, v := range ta.Hash {
		if w, ok := tb.Hash[k]; !ok || !same(v, w) {
			return false
		}
	}
	return true
}

func mustOpen(t *testing.T, d Driver, host, name string) Store {
	t.Helper()
	s, err := d.Open(host, name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantValue(t *testing.T, s Store, user string, want any) {
	t.Helper()
	got, err := s.Get(user)
	if err != nil {
		t.Fatalf("Get(%q): %v", user, err)
	}
	if !same(got, want) {
		t.Errorf("Get(%q) = %s, want %s", user, show(got), show(want))
	}
}

func show(v any) string {
	if s, ok := v.(*Stanza); ok {
		v = s.Tree
	}
	if s, err := EncodeJSON(v); err == nil {
		return s
	}
	return "?"
}

// tricky is a table with every kind of key and value a store keeps.
func tricky() *value.Table {
	return tbl([]any{"one", 2.0, tbl(nil, map[any]any{"x": true})}, map[any]any{
		"name": "alice", "n": 42.0, "pi": 3.25, "big": 1e300, "small": 0.1, "neg": -7.0,
		"yes": true, "no": false, "empty": "", "quote": "a\"b\\c\n\x01é",
		"nested": tbl([]any{1.0, 2.0}, map[any]any{"deep": tbl(nil, map[any]any{"k": "v"})}),
		10.0:     "ten", 1.5: "one and a half", true: "t", "": "empty key",
		"__array": "named like util.json's marker",
	})
}

var keyvalCases = []keyvalCase{
	{"get of nothing is nil", func(t *testing.T, d Driver) {
		wantValue(t, mustOpen(t, d, "a.example", "s"), "alice", nil)
	}},
	{"set then get keeps every kind of key and value", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		if err := s.Set("alice", tricky()); err != nil {
			t.Fatal(err)
		}
		wantValue(t, s, "alice", tricky())
		wantValue(t, mustOpen(t, d, "a.example", "s"), "alice", tricky())
	}},
	{"set replaces the whole value", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		s.Set("alice", tbl(nil, map[any]any{"a": 1.0, "b": 2.0}))
		if err := s.Set("alice", tbl(nil, map[any]any{"c": 3.0})); err != nil {
			t.Fatal(err)
		}
		wantValue(t, s, "alice", tbl(nil, map[any]any{"c": 3.0}))
	}},
	{"set nil removes the user", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		s.Set("alice", tbl(nil, map[any]any{"a": 1.0}))
		if err := s.Set("alice", nil); err != nil {
			t.Fatal(err)
		}
		wantValue(t, s, "alice", nil)
		if u, _ := s.Users(); len(u) != 0 {
			t.Errorf("users after removal: %q", u)
		}
	}},
	{"host, store and user are separate", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		s.Set("alice", tbl(nil, map[any]any{"a": 1.0}))
		s.Set("", tbl(nil, map[any]any{"host": true}))
		wantValue(t, mustOpen(t, d, "b.example", "s"), "alice", nil)
		wantValue(t, mustOpen(t, d, "a.example", "t"), "alice", nil)
		wantValue(t, s, "bob", nil)
		wantValue(t, s, "", tbl(nil, map[any]any{"host": true}))
		users, err := s.Users()
		sort.Strings(users)
		if err != nil || !reflect.DeepEqual(users, []string{"", "alice"}) {
			t.Errorf("users = %q, %v", users, err)
		}
	}},
	{"values are copied in and out", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		in := tbl(nil, map[any]any{"n": 1.0})
		s.Set("alice", in)
		in.Hash["n"] = 2.0
		got, _ := s.Get("alice")
		got.(*value.Table).Hash["n"] = 3.0
		wantValue(t, s, "alice", tbl(nil, map[any]any{"n": 1.0}))
	}},
	{"unstorable values are refused", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "s")
		if err := s.Set("alice", tbl(nil, map[any]any{"f": struct{}{}})); err == nil {
			t.Error("a struct was stored")
		}
		if err := s.SetKeys("alice", map[string]any{"f": struct{}{}}); err == nil {
			t.Error("a struct was stored by SetKeys")
		}
		wantValue(t, s, "alice", nil)
	}},
	{"map keys", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "m")
		if err := s.SetKeys("alice", map[string]any{"a": 1.0, "b": tbl([]any{"x"}, nil), "": "e"}); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]any{"a": 1.0, "b": tbl([]any{"x"}, nil), "": "e", "c": nil} {
			if got, err := s.GetKey("alice", k); err != nil || !same(got, want) {
				t.Errorf("GetKey(%q) = %s, %v; want %s", k, show(got), err, show(want))
			}
		}
		wantValue(t, s, "alice", tbl(nil, map[any]any{"a": 1.0, "b": tbl([]any{"x"}, nil), "": "e"}))
		if err := s.SetKeys("alice", map[string]any{"a": nil, "c": false}); err != nil {
			t.Fatal(err)
		}
		wantValue(t, s, "alice", tbl(nil, map[any]any{"b": tbl([]any{"x"}, nil), "": "e", "c": false}))
		if got, _ := s.GetKey("bob", "a"); got != nil {
			t.Errorf("bob's key: %s", show(got))
		}
	}},
	{"removing every key removes the user", func(t *testing.T, d Driver) {
		s := mustOpen(t, d, "a.example", "m")
		s.SetKeys("alice", map[string]any{"a": 1.0, "": 2.0})
		if err := s.SetKeys("alice", map[string]any{"a": nil, "": nil}); err != nil {
			t.Fatal(err)
		}
		wantValue(t, s, "alice", nil)
	}},
}
