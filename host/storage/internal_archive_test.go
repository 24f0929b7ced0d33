package storage

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// prosodyArchive is Lua that loads Prosody 0.12's own
// mod_storage_internal (with a stand-in for its module object) on data
// folder %q and opens its archive store "log" of a.example as `a`;
// st is util.stanza.
const prosodyArchive = `local dm = require "util.datamanager"; dm.set_data_path(%q)
package.loaded["core.storagemanager"] = { olddm = dm }
local driver
local module = { host = "a.example", log = function() end,
	get_option_number = function(_, _, d) return d end, get_option = function(_, _, d) return d end,
	provides = function(_, _, d) driver = d end }
assert(loadfile("/usr/lib/prosody/modules/mod_storage_internal.lua", "t",
	setmetatable({ module = module }, { __index = _G })))()
local st = require "util.stanza"
local a = assert(driver:open("log", "archive"))
`

// A stanza archive Prosody's own driver wrote reads back in moonport:
// keys, times, withs and the stanzas (without Prosody's stamp).
func TestInternalArchiveReadsProsodys(t *testing.T) {
	dir := t.TempDir()
	out := testenv.ProsodyLua(t, fmt.Sprintf(prosodyArchive, dir)+`
		io.write(assert(a:append("alice", nil, st.message({ to = "b@x" }, "one"), 1700000000, "b@x")), " ")
		assert(a:append("alice", "k2", st.message({ to = "c@x" }):tag("x", { xmlns = "urn:x" }):text("two"), 1700000060, "c@x"))
		assert(a:append(nil, "own", st.presence(), 1700000120))`)
	key := strings.TrimSpace(out)
	if len(key) != 24 {
		t.Fatalf("Prosody's key %q", key)
	}
	d := &Internal{Dir: func() string { return dir }}
	a, _ := d.OpenArchive("a.example", "log")
	items, total, err := a.Find("alice", Query{Limit: -1, Total: true})
	if err != nil || total != 2 {
		t.Fatalf("%v %d %v", items, total, err)
	}
	one := testStanza("one")
	one.Tree.(*value.Table).Hash["attr"] = &value.Table{Hash: map[any]any{"to": "b@x"}}
	if !reflect.DeepEqual(items[0], Item{Key: key, Value: one, When: 1700000000, With: "b@x"}) {
		t.Errorf("first: %#v", items[0])
	}
	x := &value.Table{Array: []any{"two"}, Hash: map[any]any{"name": "x", "attr": &value.Table{Hash: map[any]any{"xmlns": "urn:x"}}}}
	two := &Stanza{Tree: &value.Table{Array: []any{x}, Hash: map[any]any{"name": "message",
		"attr": &value.Table{Hash: map[any]any{"to": "c@x"}}}}}
	if !reflect.DeepEqual(items[1], Item{Key: "k2", Value: two, When: 1700000060, With: "c@x"}) {
		t.Errorf("second: %#v", items[1])
	}
	if users, _ := a.Users(); !reflect.DeepEqual(users, []string{"alice", ""}) {
		t.Errorf("users %q", users)
	}
	if items, _, _ := a.Find("", NewQuery()); len(items) != 1 || items[0].Key != "own" || items[0].With != "" {
		t.Errorf("host's own: %#v", items)
	}
}

// What moonport wrote (appended, replaced, changed with Set, deleted)
// Prosody's own driver reads, with its query semantics.
func TestInternalArchiveProsodyReads(t *testing.T) {
	dir := t.TempDir()
	d := &Internal{Dir: func() string { return dir }}
	a, _ := d.OpenArchive("a.example", "log")
	k1, _ := a.Append("alice", "", testStanza("one"), 1700000000, "b")
	a.Append("alice", "k2", testStanza("two"), 1700000060, "c")
	a.Append("alice", "k3", testStanza("three"), 1700000120, "b")
	a.Append("alice", "k2", testStanza("two again"), 1700000180, "c")
	a.Set("alice", "k3", nil, nil, ptr("d"))
	a.Append("alice", "gone", testStanza("x"), 1, "e")
	a.Delete("alice", false, Query{Key: "gone", Truncate: -1})
	out := testenv.ProsodyLua(t, fmt.Sprintf(prosodyArchive, dir)+`
		local iter, total = assert(a:find("alice", { total = true }))
		io.write(total, "\n")
		for k, v, when, with in iter do
			io.write(k, " ", when, " ", with, " ", v:get_child_text("body"), " ", v.attr.to, " ", tostring(v.attr.stamp), "\n")
		end
		for k in assert(a:find("alice", { with = "c", reverse = true })) do io.write(k, "\n") end
		local s = a:summary("alice")
		io.write(s.counts.b, " ", s.counts.c, " ", s.counts.d, "\n")`)
	want := fmt.Sprintf("3\n%s 1700000000 b one b nil\nk3 1700000120 d three b nil\nk2 1700000180 c two again b nil\nk2\n1 1 1\n", k1)
	if out != want {
		t.Errorf("Prosody read\n%s\nwant\n%s", out, want)
	}
	raw, _ := os.ReadFile((&datamanager.Manager{Dir: dir}).Path("alice", "a.example", "log", "list"))
	if !strings.Contains(string(raw), `["stamp"] = "2023-11-14T22:13:20Z";`) {
		t.Errorf("no Prosody stamp in\n%s", raw)
	}
}

// Plain data (moonport's extension) is kept beside stanzas and read back
// as data, even a table shaped like a stanza; Prosody's own driver
// reads the stanzas of such a file by key.
func TestInternalArchivePlainData(t *testing.T) {
	dir := t.TempDir()
	d := &Internal{Dir: func() string { return dir }}
	a, _ := d.OpenArchive("a.example", "log")
	fake := &value.Table{Hash: map[any]any{"name": "message", "attr": &value.Table{}}}
	a.Append("alice", "data", fake, 1, "b")
	a.Append("alice", "text", "just text", 2, "")
	a.Append("alice", "stanza", testStanza("s"), 3, "")
	again, _ := (&Internal{Dir: func() string { return dir }}).OpenArchive("a.example", "log")
	items, _, err := again.Find("alice", NewQuery())
	if err != nil || len(items) != 3 {
		t.Fatalf("%v %v", items, err)
	}
	if !reflect.DeepEqual(items[0].Value, fake) || items[1].Value != "just text" || !reflect.DeepEqual(items[2].Value, testStanza("s")) {
		t.Errorf("read back: %#v", items)
	}
	out := testenv.ProsodyLua(t, fmt.Sprintf(prosodyArchive, dir)+`
		local v = assert(a:get("alice", "stanza")); io.write(v:get_child_text("body"))`)
	if out != "s" {
		t.Errorf("Prosody read %q", out)
	}
}

// A list file that is not an archive is an error naming the file and
// the item, not a crash or a silent loss.
func TestInternalArchiveBadItem(t *testing.T) {
	dir := t.TempDir()
	m := &datamanager.Manager{Dir: dir}
	m.ListAppend("alice", "a.example", "log", &value.Table{Hash: map[any]any{"key": "k"}})
	a, _ := (&Internal{Dir: func() string { return dir }}).OpenArchive("a.example", "log")
	_, _, err := a.Find("alice", NewQuery())
	if err == nil || !strings.Contains(err.Error(), "alice.list: item 1: neither a stanza") {
		t.Errorf("%v", err)
	}
}
