package storage

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// fillUsers gives alice data in the keyval store "roster", the map
// store "prefs" and the archive "log"; bob in "roster" and "log"; the
// host its own in "prefs" and "log"; and another host's alice in
// "roster".
func fillUsers(t *testing.T, d testDriver) {
	t.Helper()
	v := tbl(nil, map[any]any{"n": 1.0})
	for _, w := range []struct{ host, store, user string }{
		{"a.example", "roster", "alice"}, {"a.example", "roster", "bob"},
		{"a.example", "prefs", "alice"}, {"a.example", "prefs", ""}, {"b.example", "roster", "alice"},
	} {
		if err := mustOpen(t, d, w.host, w.store).SetKeys(w.user, map[string]any{"k": v}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := d.OpenArchive("a.example", "log")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", ""} {
		if _, err := a.Append(u, "", v, 100, "x"); err != nil {
			t.Fatal(err)
		}
	}
}

// userStores is UserStores' answer as "name,name" (or the error).
func userStores(t *testing.T, d UserStoreLister, host string, o StoreOwner, k StoreKind) string {
	t.Helper()
	got, err := d.UserStores(host, o, k)
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.Join(got, ",")
}

// Prosody's driver:stores(username) and driver:purge(username), the
// same on every driver.
func TestUserDataConformance(t *testing.T) {
	eachDriver(t, func(t *testing.T, newDriver func(t *testing.T) testDriver) {
		t.Run("stores", func(t *testing.T) {
			d := newDriver(t)
			fillUsers(t, d)
			for _, c := range []struct {
				o    StoreOwner
				k    StoreKind
				want string
			}{
				{StoreOwner{User: "alice"}, KindKeyval, "prefs,roster"},
				{StoreOwner{User: "bob"}, KindKeyval, "roster"},
				{StoreOwner{User: "carol"}, KindKeyval, ""},
				{StoreOwner{}, KindKeyval, "prefs"},
				{StoreOwner{AnyUser: true}, KindKeyval, "prefs,roster"},
				{StoreOwner{User: "alice"}, KindArchive, "log"},
				{StoreOwner{}, KindArchive, "log"},
				{StoreOwner{AnyUser: true}, KindArchive, "log"},
				{StoreOwner{User: "carol"}, KindArchive, ""},
			} {
				if got := userStores(t, d, "a.example", c.o, c.k); got != c.want {
					t.Errorf("UserStores(%+v, %s) = %q, want %q", c.o, c.k, got, c.want)
				}
			}
		})
		t.Run("purge", func(t *testing.T) {
			d := newDriver(t)
			fillUsers(t, d)
			if err := d.Purge("a.example", "alice"); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				host, store, user string
				gone              bool
			}{
				{"a.example", "roster", "alice", true}, {"a.example", "prefs", "alice", true},
				{"a.example", "roster", "bob", false}, {"a.example", "prefs", "", false},
				{"b.example", "roster", "alice", false},
			} {
				v, err := mustOpen(t, d, c.host, c.store).Get(c.user)
				if err != nil || (v == nil) != c.gone {
					t.Errorf("after the purge, %s %s %q: %v %v (gone: %v)", c.host, c.store, c.user, v, err, c.gone)
				}
			}
			a, _ := d.OpenArchive("a.example", "log")
			if users, err := a.Users(); err != nil || !reflect.DeepEqual(sortStrings(users), []string{"", "bob"}) {
				t.Errorf("archive users after the purge: %q %v", users, err)
			}
			if got := userStores(t, d, "a.example", StoreOwner{User: "alice"}, KindKeyval); got != "" {
				t.Errorf("alice's stores after the purge: %q", got)
			}
			if err := d.Purge("a.example", ""); !errors.Is(err, ErrPurgeHost) {
				t.Errorf("purging the host's own data: %v", err)
			}
			if v, _ := mustOpen(t, d, "a.example", "prefs").Get(""); v == nil {
				t.Error("the host's own data went")
			}
		})
	})
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// The null driver answers per-user calls as every call: "no data
// storage active".
func TestNullUserData(t *testing.T) {
	if _, err := (Null{}).UserStores("a.example", StoreOwner{User: "alice"}, KindKeyval); !errors.Is(err, ErrNoStorage) {
		t.Errorf("UserStores: %v", err)
	}
	if err := (Null{}).Purge("a.example", "alice"); !errors.Is(err, ErrNoStorage) {
		t.Errorf("Purge: %v", err)
	}
}
