package datamanager

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// prosodyDM is the start of a lua5.4 snippet using Prosody's own
// util.datamanager on dir.
func prosodyDM(dir string) string {
	return fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q); `, dir)
}

// TestProsodyReadsWhatMoonportWrites: Prosody's datamanager loads each
// file moonport wrote and stores it again under another store; moonport
// reads that copy back equal to what it wrote. So each side reads the
// other's files (names with bytes that need encoding included). Prosody
// stores tables only; moonport stores any value (it reads back).
func TestProsodyReadsWhatMoonportWrites(t *testing.T) {
	dir := t.TempDir()
	m := &Manager{Dir: dir}
	const user, host = "us er@x/../y", "h.example"
	var copies strings.Builder
	for name, v := range samples() {
		if err := m.Store(user, host, "in_"+name, v); err != nil {
			t.Fatal(err)
		}
		if err := m.ListStore(user, host, "lin_"+name, []any{v, "second"}); err != nil {
			t.Fatal(err)
		}
		if err := m.ListAppend(user, host, "lin_"+name, 3.0); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&copies, `assert(dm.store(u, h, "out_%[1]s", { assert(dm.load(u, h, "in_%[1]s")) }))
			assert(dm.list_store(u, h, "lout_%[1]s", assert(dm.list_load(u, h, "lin_%[1]s"))))
			`, name)
	}
	testenv.ProsodyLua(t, prosodyDM(dir)+fmt.Sprintf("local u, h = %q, %q\n", user, host)+copies.String())
	for name, v := range samples() {
		got, err := m.Load(user, host, "out_"+name)
		if tbl, ok := got.(*value.Table); ok && len(tbl.Array) == 1 {
			got = tbl.Array[0] // Prosody stores tables only: the copy is { value }
		}
		if err != nil || !reflect.DeepEqual(normal(got), normal(v)) {
			t.Errorf("%s: Prosody's copy reads %s (%v), want %s", name, value.Format(got), err, value.Format(v))
		}
		items, err := m.ListLoad(user, host, "lout_"+name)
		want := []any{normal(v), "second", 3.0}
		for i := range items {
			items[i] = normal(items[i])
		}
		if err != nil || !reflect.DeepEqual(items, want) {
			t.Errorf("%s: Prosody's list copy reads %v (%v), want %v", name, items, err, want)
		}
	}
}

// TestMoonportReadsWhatProsodyWrites: files Prosody's datamanager writes
// from Lua values read as the same values here; users, stores and purge
// see them.
func TestMoonportReadsWhatProsodyWrites(t *testing.T) {
	dir := t.TempDir()
	testenv.ProsodyLua(t, prosodyDM(dir)+`
		local all = {} for i = 0, 255 do all[#all+1] = string.char(i) end
		assert(dm.store("al ice", "h.example", "my_store", { s = table.concat(all), n = { 1, 2.5, -3, 1e300 }, [7] = true, t = {} }))
		assert(dm.store(nil, "h.example", "my_store", { host = "own" }))
		assert(dm.store("bob", "h.example", "other", { 1 }))
		assert(dm.list_append("al ice", "h.example", "log", { when = 1 }))
		assert(dm.list_append("al ice", "h.example", "log", "two"))`)
	m := &Manager{Dir: dir}
	got, err := m.Load("al ice", "h.example", "my_store")
	want := &value.Table{Hash: map[any]any{"s": allBytes(), 7.0: true, "t": &value.Table{},
		"n": &value.Table{Array: []any{1.0, 2.5, -3.0, 1e300}}}}
	if err != nil || !reflect.DeepEqual(normal(got), normal(want)) {
		t.Errorf("Load: %s (%v), want %s", value.Format(got), err, value.Format(want))
	}
	if got, _ := m.Load("", "h.example", "my_store"); value.Format(got) != `{ host = "own" }` {
		t.Errorf("host's own: %s", value.Format(got))
	}
	items, err := m.ListLoad("al ice", "h.example", "log")
	if err != nil || len(items) != 2 || items[1] != "two" {
		t.Errorf("ListLoad: %v (%v)", items, err)
	}
	check := func(what string, got []string, err error, want ...string) {
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q (%v), want %q", what, got, err, want)
		}
	}
	users, err := m.Users("h.example", "my_store", "keyval")
	check("Users", users, err, "al ice")
	stores, err := m.Stores("al ice", "h.example", "keyval")
	check("Stores of al ice", stores, err, "my_store")
	stores, err = m.Stores("", "h.example", "")
	check("Stores", stores, err, "log", "my_store", "other")
	if err := m.Purge("al ice", "h.example"); err != nil {
		t.Fatal(err)
	}
	stores, err = m.Stores("al ice", "h.example", "list")
	check("Stores after purge", stores, err)
	if got, _ := m.Load("bob", "h.example", "other"); got == nil {
		t.Error("purge of al ice removed bob's data")
	}
}

// TestConfinedAndPrivate: no name reaches outside the data folder, and
// what is written is 0640 in folders 0750, with nothing left beside.
func TestConfinedAndPrivate(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	m := &Manager{Dir: data}
	bad := []string{"..", "../..", "/etc/passwd", "a/../../b", ".", "", "x\x00y", `..\..`}
	for _, name := range bad {
		for _, p := range []string{m.Path(name, name, name, name), m.Path(name, "h", "s", "")} {
			if rel, err := filepath.Rel(data, p); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%q: path %s leaves the data folder", name, p)
			}
		}
		if err := m.Store(name, name, name, "x"); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("writes reached beside the data folder: %v", entries)
	}
	filepath.WalkDir(data, func(p string, d os.DirEntry, err error) error {
		st, _ := os.Stat(p)
		switch {
		case p == data:
		case d.IsDir() && st.Mode().Perm() != 0o750, !d.IsDir() && st.Mode().Perm() != 0o640:
			t.Errorf("%s has mode %v", p, st.Mode().Perm())
		case strings.HasSuffix(p, "~"):
			t.Errorf("scratch file %s left", p)
		}
		return nil
	})
	if got := Decode(Encode("a.b/c%d é")); got != "a.b/c%d é" {
		t.Errorf("Decode(Encode) = %q", got)
	}
	if got := StoreEncode("a_b.c"); got != "a_b%2ec" {
		t.Errorf("StoreEncode = %q", got)
	}
}

// TestEmptyRemoves: storing nothing removes the file, as in Prosody.
func TestEmptyRemoves(t *testing.T) {
	m := &Manager{Dir: t.TempDir()}
	m.Store("u", "h", "s", "x")
	m.ListStore("u", "h", "l", []any{"x"})
	m.Store("u", "h", "s", &value.Table{})
	m.ListStore("u", "h", "l", nil)
	for _, ext := range []string{"dat", "list"} {
		if _, err := os.Stat(m.Path("u", "h", map[string]string{"dat": "s", "list": "l"}[ext], ext)); !os.IsNotExist(err) {
			t.Errorf(".%s file still there (%v)", ext, err)
		}
	}
}
