package storage

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// listStores is Lua printing, one line each, the sorted stores that
// STORES(u) iterates for u = "alice", nil and true.
const listStores = `
local function list(u)
	local t = {}
	for s in assert(STORES(u)) do t[#t + 1] = s end
	table.sort(t)
	return table.concat(t, ",")
end
print(list("alice")); print(list(nil)); print(list(true))
`

// ourStores is UserStores for alice, the host and any user, one line
// each, as listStores prints Prosody's.
func ourStores(t *testing.T, d UserStoreLister, kind StoreKind) string {
	var got []string
	for _, o := range []StoreOwner{{User: "alice"}, {}, {AnyUser: true}} {
		got = append(got, userStores(t, d, "a.example", o, kind))
	}
	return strings.Join(got, "\n") + "\n"
}

// Prosody's mod_storage_sql lists (driver:stores) and purges
// (driver:purge) a user's data as moonport's SQL driver does: on the
// same data, the same keyval stores, and the same rows left in both
// tables.
func TestSQLUserDataAsProsodys(t *testing.T) {
	ours, theirs := sqliteParams(t), sqliteParams(t)
	for _, p := range []SQLParams{ours, theirs} {
		s := openSQLTest(t, p)
		fillUsers(t, s)
		s.Close()
	}
	out := runProsodySQL(t, theirs.Database, `STORES = function(u) return driver:stores(u) end`+listStores+
		`assert(driver:purge("alice"))`)
	s := openSQLTest(t, ours)
	if want := ourStores(t, s, KindKeyval); out != want {
		t.Errorf("Prosody's stores:\n%s\nmoonport's:\n%s", out, want)
	}
	if err := s.Purge("a.example", "alice"); err != nil {
		t.Fatal(err)
	}
	other := openSQLTest(t, theirs)
	for table, cols := range map[string]string{"prosody": `"host", "user", "store", "key"`, "prosodyarchive": `"host", "user", "store", "with"`} {
		got, want := rawRows(t, s, table, cols), rawRows(t, other, table, cols)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
			t.Errorf("%s after moonport's purge:\n%s\nafter Prosody's:\n%s", table, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// Prosody's util.datamanager lists a user's keyval stores (stores) and
// purges them (purge) as moonport's internal driver does, on the same
// data folder.
func TestInternalUserDataAsProsodys(t *testing.T) {
	ourDir, theirDir := t.TempDir(), t.TempDir()
	for _, dir := range []string{ourDir, theirDir} {
		fillUsers(t, &Internal{Dir: func() string { return dir }})
	}
	out := testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
STORES = function(u) return dm.stores(u, "a.example", "keyval") end`, theirDir)+listStores+
		`assert(dm.purge("alice", "a.example"))`)
	ours := &Internal{Dir: func() string { return ourDir }}
	// Two differences, Prosody's: stores(true) is every store folder,
	// whoever has files in it, where moonport's is the stores with a
	// user's .dat file ("log", a folder of archives only, is Prosody's
	// alone); stores(nil) looks for the host's STORE.dat files in its
	// working directory instead of the host's folder, so finds none
	// (moonport finds "prefs").
	lines := strings.Split(ourStores(t, ours, KindKeyval), "\n")
	if lines[1] != "prefs" || lines[2] != "prefs,roster" {
		t.Fatalf("moonport's stores: %q", lines)
	}
	lines[1], lines[2] = "", "log,prefs,roster"
	if want := strings.Join(lines, "\n"); out != want {
		t.Errorf("Prosody's stores:\n%s\nmoonport's, adjusted:\n%s", out, want)
	}
	if err := ours.Purge("a.example", "alice"); err != nil {
		t.Fatal(err)
	}
	if got, want := treeOf(t, ourDir), treeOf(t, theirDir); got != want {
		t.Errorf("after moonport's purge:\n%s\nafter Prosody's:\n%s", got, want)
	}
}

// treeOf is the files under dir, relative to it, one a line.
func treeOf(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}
