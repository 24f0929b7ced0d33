package storage

import (
	"errors"
	"reflect"
	"sort"
	"testing"
)

// The archive behaviour every ArchiveDriver shares (Prosody's archive
// store API), over a constructor as in runKeyvalConformance, on every
// driver; archiveMoreCases (archive_suite_test.go) are more of them.

type archiveCase struct {
	name string
	run  func(t *testing.T, a Archive, d ArchiveDriver)
}

func runArchiveConformance(t *testing.T, newDriver func(t *testing.T) ArchiveDriver) {
	for _, c := range append(archiveCases[:len(archiveCases):len(archiveCases)], archiveMoreCases...) {
		t.Run(c.name, func(t *testing.T) {
			d := newDriver(t)
			a, err := d.OpenArchive("a.example", "log")
			if err != nil {
				t.Fatal(err)
			}
			c.run(t, a, d)
		})
	}
}

func TestArchiveConformance(t *testing.T) {
	eachDriver(t, func(t *testing.T, newDriver func(t *testing.T) testDriver) {
		runArchiveConformance(t, func(t *testing.T) ArchiveDriver { return newDriver(t) })
	})
}

func ptr[T any](v T) *T { return &v }

// fill appends items k1..k5 for alice, at times 100..500, alternating
// with "x" and "y", and one item for bob; it returns alice's keys.
func fill(t *testing.T, a Archive) []string {
	t.Helper()
	var keys []string
	for i, with := range []string{"x", "y", "x", "y", "x"} {
		k, err := a.Append("alice", "k"+string(rune('1'+i)), tbl(nil, map[any]any{"n": float64(i + 1)}), float64(100*(i+1)), with)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if _, err := a.Append("bob", "", "bob's", 150, "x"); err != nil {
		t.Fatal(err)
	}
	return keys
}

func findKeys(t *testing.T, a Archive, user string, q Query) ([]string, int) {
	t.Helper()
	items, total, err := a.Find(user, q)
	if err != nil {
		t.Fatalf("Find(%+v): %v", q, err)
	}
	keys := []string{}
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	return keys, total
}

func wantKeys(t *testing.T, a Archive, q Query, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got, _ := findKeys(t, a, "alice", q); !reflect.DeepEqual(got, want) {
		t.Errorf("Find(%+v) = %q, want %q", q, got, want)
	}
}

func query(f func(q *Query)) Query {
	q := NewQuery()
	f(&q)
	return q
}

var archiveCases = []archiveCase{
	{"append keeps value, time and with, in order", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		items, total, err := a.Find("alice", NewQuery())
		if err != nil || total != -1 || len(items) != 5 {
			t.Fatalf("Find = %d items, total %d, %v", len(items), total, err)
		}
		it := items[1]
		if it.Key != "k2" || it.When != 200 || it.With != "y" || !same(it.Value, tbl(nil, map[any]any{"n": 2.0})) {
			t.Errorf("item 2 = %+v", it)
		}
		bob, _, _ := a.Find("bob", NewQuery())
		if len(bob) != 1 || bob[0].Value != "bob's" {
			t.Errorf("bob's items: %+v", bob)
		}
	}},
	{"append without a key makes unique ones", func(t *testing.T, a Archive, _ ArchiveDriver) {
		seen := map[string]bool{}
		for i := 0; i < 20; i++ {
			k, err := a.Append("alice", "", 1.0, 1, "")
			if err != nil || k == "" || seen[k] {
				t.Fatalf("key %q, %v", k, err)
			}
			seen[k] = true
		}
	}},
	{"append with an existing key replaces that item", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		if k, err := a.Append("alice", "k2", "new", 250, "z"); err != nil || k != "k2" {
			t.Fatalf("Append = %q, %v", k, err)
		}
		items, _, _ := a.Find("alice", query(func(q *Query) { q.Key = "k2" }))
		if len(items) != 1 || items[0].Value != "new" || items[0].When != 250 || items[0].With != "z" {
			t.Errorf("k2 = %+v", items)
		}
		if keys, _ := findKeys(t, a, "alice", NewQuery()); len(keys) != 5 {
			t.Errorf("keys after replace: %q", keys)
		}
	}},
	{"find filters", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		wantKeys(t, a, query(func(q *Query) { q.Start = ptr(200.0) }), "k2", "k3", "k4", "k5")
		wantKeys(t, a, query(func(q *Query) { q.End = ptr(200.0) }), "k1", "k2")
		wantKeys(t, a, query(func(q *Query) { q.Start, q.End = ptr(200.0), ptr(400.0) }), "k2", "k3", "k4")
		wantKeys(t, a, query(func(q *Query) { q.With = ptr("x") }), "k1", "k3", "k5")
		wantKeys(t, a, query(func(q *Query) { q.Key = "k4" }), "k4")
		wantKeys(t, a, query(func(q *Query) { q.IDs = []string{"k5", "k1", "nope"} }), "k1", "k5")
		wantKeys(t, a, query(func(q *Query) { q.IDs = []string{} }))
		wantKeys(t, a, query(func(q *Query) { q.Reverse = true }), "k5", "k4", "k3", "k2", "k1")
		wantKeys(t, a, query(func(q *Query) { q.Limit = 2 }), "k1", "k2")
		wantKeys(t, a, query(func(q *Query) { q.Limit = 2; q.Reverse = true }), "k5", "k4")
		wantKeys(t, a, query(func(q *Query) { q.Limit = 0 }))
	}},
	{"find before and after", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		wantKeys(t, a, query(func(q *Query) { q.After = "k2" }), "k3", "k4", "k5")
		wantKeys(t, a, query(func(q *Query) { q.Before = "k4" }), "k1", "k2", "k3")
		wantKeys(t, a, query(func(q *Query) { q.After, q.Before = "k1", "k4" }), "k2", "k3")
		wantKeys(t, a, query(func(q *Query) { q.Before = "k4"; q.Reverse = true; q.Limit = 2 }), "k3", "k2")
		wantKeys(t, a, query(func(q *Query) { q.After = "k2"; q.Limit = 2 }), "k3", "k4")
		for _, q := range []Query{query(func(q *Query) { q.After = "nope" }), query(func(q *Query) { q.Before = "nope" })} {
			if _, _, err := a.Find("alice", q); !errors.Is(err, ErrItemNotFound) {
				t.Errorf("Find(%+v) error = %v, want item-not-found", q, err)
			}
		}
	}},
	{"find total counts the filtered items before the range and limit", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		for _, c := range []struct {
			q    Query
			want int
		}{
			{query(func(q *Query) { q.Total = true }), 5},
			{query(func(q *Query) { q.Total = true; q.Limit = 0 }), 5},
			{query(func(q *Query) { q.Total = true; q.With = ptr("y"); q.Limit = 1 }), 2},
			{query(func(q *Query) { q.Total = true; q.After = "k3" }), 5},
		} {
			if _, total := findKeys(t, a, "alice", c.q); total != c.want {
				t.Errorf("Find(%+v) total = %d, want %d", c.q, total, c.want)
			}
		}
	}},
	{"set changes value, time or with", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		if ok, err := a.Set("alice", "k3", "changed", nil, nil); !ok || err != nil {
			t.Fatalf("Set value = %v, %v", ok, err)
		}
		if ok, err := a.Set("alice", "k3", nil, ptr(333.0), ptr("w")); !ok || err != nil {
			t.Fatalf("Set when/with = %v, %v", ok, err)
		}
		items, _, _ := a.Find("alice", query(func(q *Query) { q.Key = "k3" }))
		if len(items) != 1 || items[0].Value != "changed" || items[0].When != 333 || items[0].With != "w" {
			t.Errorf("k3 = %+v", items)
		}
		if ok, err := a.Set("alice", "nope", "x", nil, nil); ok || err != nil {
			t.Errorf("Set of a missing key = %v, %v", ok, err)
		}
		if ok, err := a.Set("bob", "k3", "x", nil, nil); ok || err != nil {
			t.Errorf("Set of another user's key = %v, %v", ok, err)
		}
	}},
	{"delete", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		if n, err := a.Delete("alice", false, query(func(q *Query) { q.With = ptr("y") })); n != 2 || err != nil {
			t.Errorf("Delete with = %d, %v", n, err)
		}
		wantKeys(t, a, NewQuery(), "k1", "k3", "k5")
		if n, err := a.Delete("alice", false, query(func(q *Query) { q.Before = "k5" })); n != 2 || err != nil {
			t.Errorf("Delete before = %d, %v", n, err)
		}
		wantKeys(t, a, NewQuery(), "k5")
		if n, err := a.Delete("alice", false, NewQuery()); n != 1 || err != nil {
			t.Errorf("Delete all = %d, %v", n, err)
		}
		if keys, _ := findKeys(t, a, "bob", NewQuery()); len(keys) != 1 {
			t.Errorf("bob lost items: %q", keys)
		}
	}},
	{"delete truncate keeps the newest", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		if n, err := a.Delete("alice", false, query(func(q *Query) { q.Truncate = 2 })); n != 3 || err != nil {
			t.Errorf("Delete truncate = %d, %v", n, err)
		}
		wantKeys(t, a, NewQuery(), "k4", "k5")
		if n, err := a.Delete("alice", false, query(func(q *Query) { q.Truncate = 1; q.Reverse = true })); n != 1 || err != nil {
			t.Errorf("Delete truncate reverse = %d, %v", n, err)
		}
		wantKeys(t, a, NewQuery(), "k4")
	}},
	{"delete of every user", func(t *testing.T, a Archive, d ArchiveDriver) {
		fill(t, a)
		other, _ := d.OpenArchive("a.example", "other")
		other.Append("alice", "", "kept", 1, "")
		if n, err := a.Delete("", true, query(func(q *Query) { q.With = ptr("x") })); n != 4 || err != nil {
			t.Errorf("Delete all users with x = %d, %v", n, err)
		}
		users, _ := a.Users()
		if !reflect.DeepEqual(users, []string{"alice"}) {
			t.Errorf("users = %q", users)
		}
		if keys, _ := findKeys(t, other, "alice", NewQuery()); len(keys) != 1 {
			t.Errorf("another store lost items: %q", keys)
		}
	}},
	{"summary", func(t *testing.T, a Archive, _ ArchiveDriver) {
		fill(t, a)
		got, err := a.Summary("alice", NewQuery())
		want := map[string]Summary{"x": {3, 100, 500, nil}, "y": {2, 200, 400, nil}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Summary = %+v, %v; want %+v", got, err, want)
		}
		got, _ = a.Summary("alice", query(func(q *Query) { q.Start = ptr(300.0) }))
		want = map[string]Summary{"x": {2, 300, 500, nil}, "y": {1, 400, 400, nil}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Summary from 300 = %+v, want %+v", got, want)
		}
	}},
	{"users", func(t *testing.T, a Archive, d ArchiveDriver) {
		fill(t, a)
		users, err := a.Users()
		sort.Strings(users)
		if err != nil || !reflect.DeepEqual(users, []string{"alice", "bob"}) {
			t.Errorf("users = %q, %v", users, err)
		}
		other, _ := d.OpenArchive("b.example", "log")
		if users, _ := other.Users(); len(users) != 0 {
			t.Errorf("another host's users: %q", users)
		}
	}},
	{"stanza values", func(t *testing.T, a Archive, _ ArchiveDriver) {
		st := &Stanza{Tree: tbl([]any{
			tbl([]any{"hi <there> & 'you'"}, map[any]any{"name": "body", "attr": tbl(nil, map[any]any{})}),
			tbl(nil, map[any]any{"name": "x", "attr": tbl(nil, map[any]any{"xmlns": "urn:x", "xml:lang": "en"})}),
		}, map[any]any{"name": "message", "attr": tbl(nil, map[any]any{"to": "a@b", "type": "chat", "xmlns": "jabber:client"})})}
		k, err := a.Append("alice", "", st, 1, "a@b")
		if err != nil {
			t.Fatal(err)
		}
		items, _, _ := a.Find("alice", query(func(q *Query) { q.Key = k }))
		if len(items) != 1 || !same(items[0].Value, st) {
			t.Errorf("stanza came back as %+v", items)
		}
	}},
}
