package storage

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// archiveMoreCases join archiveCases in runArchiveConformance: the
// semantics its cases leave open (before and after with reverse and
// filters, truncate of what a query selects, the order after a replace,
// values given out being copies, the host's own user, refused values).
// Each starts from the five items of fillArchive.

// fillArchive appends alice's items k1…k5 at times 10…50, with b, c, b,
// c, b (k3 a stanza, the others plain data), and one of bob's.
func fillArchive(t *testing.T, a Archive) []string {
	var keys []string
	for i, with := range []string{"b", "c", "b", "c", "b"} {
		var v any = &value.Table{Hash: map[any]any{"n": float64(i + 1)}}
		if i == 2 {
			v = testStanza("third")
		}
		k, err := a.Append("alice", "", v, float64(10*(i+1)), with)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if _, err := a.Append("bob", "", "bob's", 5, "b"); err != nil {
		t.Fatal(err)
	}
	return keys
}

// testStanza is <message to='b'><body>text</body></message> preserialised.
func testStanza(text string) *Stanza {
	body := &value.Table{Array: []any{text}, Hash: map[any]any{"name": "body", "attr": &value.Table{}}}
	return &Stanza{Tree: &value.Table{Array: []any{body}, Hash: map[any]any{
		"name": "message", "attr": &value.Table{Hash: map[any]any{"to": "b", "xmlns": "jabber:client"}}}}}
}

// posKeys is the keys Find gives for q (a fresh NewQuery changed by
// edit), as positions in keys ("k1"…), and the total.
func posKeys(t *testing.T, a Archive, keys []string, edit func(*Query)) (string, int, error) {
	t.Helper()
	q := NewQuery()
	if edit != nil {
		edit(&q)
	}
	items, total, err := a.Find("alice", q)
	var out []string
	for _, it := range items {
		name := it.Key
		for i, k := range keys {
			if k == it.Key {
				name = "k" + string(rune('1'+i))
			}
		}
		out = append(out, name)
	}
	return strings.Join(out, " "), total, err
}

// queryCases are Find's: the query, the keys found, the total (-1 when
// not asked).
var queryCases = []struct {
	name  string
	edit  func(*Query)
	want  string
	total int
}{
	{"all", nil, "k1 k2 k3 k4 k5", -1},
	{"with", func(q *Query) { q.With = ptr("c") }, "k2 k4", -1},
	{"start end inclusive", func(q *Query) { q.Start, q.End = ptr(20.0), ptr(40.0) }, "k2 k3 k4", -1},
	{"limit total", func(q *Query) { q.Limit, q.Total = 2, true }, "k1 k2", 5},
	{"limit 0 total", func(q *Query) { q.Limit, q.Total = 0, true }, "", 5},
	{"reverse limit", func(q *Query) { q.Reverse, q.Limit = true, 2 }, "k5 k4", -1},
	{"with total", func(q *Query) { q.With, q.Total = ptr("b"), true }, "k1 k3 k5", 3},
}

var archiveMoreCases = []archiveCase{
	{"find", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		for _, c := range queryCases {
			if got, total, err := posKeys(t, a, keys, c.edit); got != c.want || total != c.total || err != nil {
				t.Errorf("%s: %q total %d (%v), want %q total %d", c.name, got, total, err, c.want, c.total)
			}
		}
	}},
	{"key and ids", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		if got, _, _ := posKeys(t, a, keys, func(q *Query) { q.Key = keys[1] }); got != "k2" {
			t.Errorf("key: %q", got)
		}
		if got, _, _ := posKeys(t, a, keys, func(q *Query) { q.IDs = []string{keys[3], keys[0], "nope"} }); got != "k1 k4" {
			t.Errorf("ids: %q", got)
		}
	}},
	{"before after", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		for _, c := range []struct {
			edit func(*Query)
			want string
		}{
			{func(q *Query) { q.After = keys[1] }, "k3 k4 k5"},
			{func(q *Query) { q.Before = keys[3] }, "k1 k2 k3"},
			{func(q *Query) { q.After, q.Before = keys[0], keys[4] }, "k2 k3 k4"},
			{func(q *Query) { q.Before, q.Reverse, q.Limit = keys[3], true, 2 }, "k3 k2"},
			{func(q *Query) { q.After, q.Reverse = keys[2], true }, "k5 k4"},
			{func(q *Query) { q.After, q.With, q.Total = keys[0], ptr("b"), true }, "k3 k5"},
		} {
			if got, _, err := posKeys(t, a, keys, c.edit); got != c.want || err != nil {
				t.Errorf("got %q (%v), want %q", got, err, c.want)
			}
		}
		for _, edit := range []func(*Query){func(q *Query) { q.After = "nope" }, func(q *Query) { q.Before = "nope" },
			func(q *Query) { q.Before, q.Reverse = "nope", true }} {
			if _, _, err := posKeys(t, a, keys, edit); !errors.Is(err, ErrItemNotFound) {
				t.Errorf("unknown key: %v", err)
			}
		}
		if _, _, err := a.Find("nobody", Query{After: keys[0], Limit: -1}); !errors.Is(err, ErrItemNotFound) {
			t.Errorf("empty archive, after: %v", err)
		}
	}},
	{"values when with", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		items, _, err := a.Find("alice", Query{Key: keys[2], Limit: -1})
		if err != nil || len(items) != 1 {
			t.Fatalf("%v %v", items, err)
		}
		if it := items[0]; !same(it.Value, testStanza("third")) || it.When != 30 || it.With != "b" {
			t.Errorf("stanza item: %#v", it)
		}
		items[0].Value.(*Stanza).Tree.(*value.Table).Hash["name"] = "changed"
		items, _, _ = a.Find("alice", Query{Limit: 1})
		if v := value.Format(items[0].Value); v != "{ n = 1 }" || items[0].When != 10 || items[0].Key != keys[0] {
			t.Errorf("first item: %s %#v", v, items[0])
		}
		if items, _, _ := a.Find("alice", Query{Key: keys[2], Limit: -1}); !same(items[0].Value, testStanza("third")) {
			t.Errorf("a value given out was changed in the store: %#v", items[0].Value)
		}
	}},
	{"append replaces", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		if k, err := a.Append("alice", keys[1], "again", 60, "d"); k != keys[1] || err != nil {
			t.Fatalf("%q %v", k, err)
		}
		if k, err := a.Append("alice", "mine", "own key", 70, ""); k != "mine" || err != nil {
			t.Fatalf("%q %v", k, err)
		}
		if got, _, _ := posKeys(t, a, keys, nil); got != "k1 k3 k4 k5 k2 mine" {
			t.Errorf("after replacing k2: %q", got)
		}
		items, _, _ := a.Find("alice", Query{Key: "mine", Limit: -1})
		if len(items) != 1 || items[0].Value != "own key" || items[0].With != "" || items[0].When != 70 {
			t.Errorf("own key: %#v", items)
		}
	}},
	{"set", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		if ok, err := a.Set("alice", keys[0], testStanza("new"), nil, nil); !ok || err != nil {
			t.Fatalf("%v %v", ok, err)
		}
		if ok, err := a.Set("alice", keys[1], nil, ptr(99.0), ptr("z")); !ok || err != nil {
			t.Fatalf("%v %v", ok, err)
		}
		if ok, err := a.Set("alice", "nope", "x", nil, nil); ok || err != nil {
			t.Errorf("unknown key: %v %v", ok, err)
		}
		items, _, _ := a.Find("alice", Query{Limit: 2})
		if !same(items[0].Value, testStanza("new")) || items[0].When != 10 || items[0].With != "b" {
			t.Errorf("new value: %#v", items[0])
		}
		if value.Format(items[1].Value) != "{ n = 2 }" || items[1].When != 99 || items[1].With != "z" {
			t.Errorf("new when and with: %#v", items[1])
		}
	}},
	{"delete in steps", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		for _, c := range []struct {
			q    Query
			n    int
			want string
		}{
			{Query{With: ptr("c"), Truncate: -1}, 2, "k1 k3 k5"},
			{Query{End: ptr(10.0), Truncate: -1}, 1, "k3 k5"},
			{Query{Truncate: 5}, 0, "k3 k5"},
			{Query{Truncate: 1}, 1, "k5"},
		} {
			if n, err := a.Delete("alice", false, c.q); n != c.n || err != nil {
				t.Errorf("%+v: %d %v", c.q, n, err)
			}
			if got, _, _ := posKeys(t, a, keys, nil); got != c.want {
				t.Errorf("%+v: left %q, want %q", c.q, got, c.want)
			}
		}
		if n, err := a.Delete("alice", false, NewQuery()); n != 1 || err != nil {
			t.Errorf("delete all: %d %v", n, err)
		}
		if users := sortedArchiveUsers(a); !reflect.DeepEqual(users, []string{"bob"}) {
			t.Errorf("users after deleting all of alice's: %q", users)
		}
	}},
	{"truncate selected", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		if n, err := a.Delete("alice", false, Query{With: ptr("b"), Truncate: 1}); n != 2 || err != nil {
			t.Errorf("%d %v", n, err)
		}
		if got, _, _ := posKeys(t, a, keys, nil); got != "k2 k4 k5" {
			t.Errorf("newest b kept: %q", got)
		}
		if n, err := a.Delete("alice", false, Query{Reverse: true, Truncate: 1}); n != 2 || err != nil {
			t.Errorf("reverse: %d %v", n, err)
		}
		if got, _, _ := posKeys(t, a, keys, nil); got != "k2" {
			t.Errorf("oldest kept: %q", got)
		}
	}},
	{"delete every user", func(t *testing.T, a Archive, d ArchiveDriver) {
		fillArchive(t, a)
		if n, err := a.Delete("", true, Query{End: ptr(20.0), Truncate: -1}); n != 3 || err != nil {
			t.Errorf("%d %v", n, err)
		}
		if users := sortedArchiveUsers(a); !reflect.DeepEqual(users, []string{"alice"}) {
			t.Errorf("users: %q", users)
		}
	}},
	{"summary by with", func(t *testing.T, a Archive, d ArchiveDriver) {
		fillArchive(t, a)
		s, err := a.Summary("alice", NewQuery())
		// The internal driver's report the last body, as Prosody's.
		var body *string
		if _, internal := d.(*Internal); internal {
			body = ptr("third")
		}
		want := map[string]Summary{"b": {3, 10, 50, body}, "c": {2, 20, 40, nil}}
		if err != nil || !reflect.DeepEqual(s, want) {
			t.Errorf("%v %v", s, err)
		}
		s, _ = a.Summary("alice", Query{Start: ptr(25.0), Limit: -1})
		if want := (map[string]Summary{"b": {2, 30, 50, body}, "c": {1, 40, 40, nil}}); !reflect.DeepEqual(s, want) {
			t.Errorf("from 25: %v", s)
		}
		if s, err := a.Summary("nobody", NewQuery()); len(s) != 0 || err != nil {
			t.Errorf("nobody: %v %v", s, err)
		}
	}},
	{"users and isolation", func(t *testing.T, a Archive, d ArchiveDriver) {
		fillArchive(t, a)
		if users := sortedArchiveUsers(a); !reflect.DeepEqual(users, []string{"alice", "bob"}) {
			t.Errorf("users: %q", users)
		}
		if items, _, _ := a.Find("bob", NewQuery()); len(items) != 1 || items[0].Value != "bob's" {
			t.Errorf("bob: %#v", items)
		}
		if _, err := a.Append("", "", "host's", 1, ""); err != nil {
			t.Fatal(err)
		}
		if items, _, _ := a.Find("", NewQuery()); len(items) != 1 {
			t.Errorf("host's own: %#v", items)
		}
	}},
	{"refused values", func(t *testing.T, a Archive, d ArchiveDriver) {
		keys := fillArchive(t, a)
		if _, err := a.Append("alice", "", nil, 1, ""); !errors.Is(err, ErrUnsupportedDatatype) {
			t.Errorf("nil: %v", err)
		}
		bad := []any{func() {}, &Stanza{Tree: &value.Table{Hash: map[any]any{"name": "x"}}},
			&Stanza{Tree: &value.Table{Hash: map[any]any{"name": "x", "attr": &value.Table{}, "key": "k"}}}}
		for _, v := range bad {
			if _, err := a.Append("alice", "", v, 1, ""); err == nil {
				t.Errorf("%#v was stored", v)
			}
			if _, err := a.Set("alice", keys[0], v, nil, nil); err == nil {
				t.Errorf("%#v was set", v)
			}
		}
		if got, _, _ := posKeys(t, a, keys, nil); got != "k1 k2 k3 k4 k5" {
			t.Errorf("after refusals: %q", got)
		}
	}},
	{"same host and name", func(t *testing.T, a Archive, d ArchiveDriver) {
		fillArchive(t, a)
		for _, c := range []struct {
			host, name string
			n          int
		}{{"a.example", "log", 5}, {"b.example", "log", 0}, {"a.example", "other", 0}} {
			other, _ := d.OpenArchive(c.host, c.name)
			if items, _, err := other.Find("alice", NewQuery()); len(items) != c.n || err != nil {
				t.Errorf("%s %s: %d items (%v), want %d", c.host, c.name, len(items), err, c.n)
			}
		}
	}},
}

// sortedArchiveUsers is a's users, sorted (a driver lists them in any
// order).
func sortedArchiveUsers(a Archive) []string {
	users, _ := a.Users()
	sort.Strings(users)
	return users
}
