package storage

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// runProsodySQL runs body with Prosody's own mod_storage_sql for host
// a.example on the SQLite file db (testenv.ProsodySQL).
func runProsodySQL(t *testing.T, db, body string) string {
	t.Helper()
	return testenv.ProsodySQL(t, db, "a.example", body)
}

// The trickyLua table is tricky() in Lua.
const trickyLua = `{ "one", 2, { x = true }, name = "alice", n = 42, pi = 3.25, big = 1e300, small = 0.1, neg = -7,
	yes = true, no = false, empty = "", quote = "a\"b\\c\n\1é",
	nested = { 1, 2, deep = { k = "v" } }, [10] = "ten", [1.5] = "one and a half", [true] = "t", [""] = "empty key",
	__array = "named like util.json's marker" }`

const stanzaLua = `st.message({ to = "a@b" }):tag("body"):text("hi & <bye>"):up()`

func stanzaGo() *Stanza {
	body := tbl([]any{"hi & <bye>"}, map[any]any{"name": "body", "attr": tbl(nil, nil)})
	return &Stanza{Tree: tbl([]any{body}, map[any]any{"name": "message", "attr": tbl(nil, map[any]any{"to": "a@b"})})}
}

// What Prosody's mod_storage_sql writes, moonport reads: keyval, map and
// archive stores, in the tables Prosody made.
func TestSQLReadsWhatProsodyWrote(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prosody.sqlite")
	keys := runProsodySQL(t, db, `
assert(driver:open("accounts"):set("alice", `+trickyLua+`))
assert(driver:open("prefs", "map"):set_keys("bob", { theme = "dark", size = 12 }))
local log = driver:open("log", "archive")
io.write(assert(log:append("alice", nil, `+stanzaLua+`, 1000, "a@b")), " ")
io.write(assert(log:append("alice", "k2", { n = 1 }, 2000, "c@d")))
`)
	p := SQLParams{Engine: SQLite3, Database: db} // Prosody's tables, not ours
	s := openSQLTest(t, p)
	kv, _ := s.Open("a.example", "accounts")
	wantValue(t, kv, "alice", tricky())
	prefs, _ := s.Open("a.example", "prefs")
	if v, err := prefs.GetKey("bob", "size"); err != nil || v != 12.0 {
		t.Errorf("map key size = %v, %v", v, err)
	}
	a, _ := s.OpenArchive("a.example", "log")
	items, _, err := a.Find("alice", NewQuery())
	k := strings.Fields(keys)
	if err != nil || len(items) != 2 || len(k) != 2 {
		t.Fatalf("items %+v, %v; Prosody's keys %q", items, err, keys)
	}
	if it := items[0]; it.Key != k[0] || it.When != 1000 || it.With != "a@b" || !same(it.Value, stanzaGo()) {
		t.Errorf("first item %+v (%s)", it, show(it.Value))
	}
	if it := items[1]; it.Key != "k2" || it.When != 2000 || !same(it.Value, tbl(nil, map[any]any{"n": 1.0})) {
		t.Errorf("second item %+v", it)
	}
}

// What moonport writes, Prosody's mod_storage_sql reads, in tables
// moonport made.
func TestSQLProsodyReadsWhatMoonportWrote(t *testing.T) {
	p := sqliteParams(t)
	s := openSQLTest(t, p)
	kv, _ := s.Open("a.example", "accounts")
	if err := kv.Set("alice", tricky()); err != nil {
		t.Fatal(err)
	}
	prefs, _ := s.Open("a.example", "prefs")
	if err := prefs.SetKeys("bob", map[string]any{"theme": "dark", "": "odd key"}); err != nil {
		t.Fatal(err)
	}
	a, _ := s.OpenArchive("a.example", "log")
	k1, err := a.Append("alice", "", stanzaGo(), 1000, "a@b")
	if err != nil {
		t.Fatal(err)
	}
	a.Append("alice", "k2", tbl(nil, map[any]any{"n": 1.0}), 2000, "c@d")
	s.Close()
	out := runProsodySQL(t, p.Database, `
local got, want = driver:open("accounts"):get("alice"), `+trickyLua+`
want.no = nil -- Prosody's keyval get drops a key whose value is false (its own rows too)
for k, v in pairs(want) do if not eq(v, got[k]) then print("differs", k, v, got[k]) end end
for k, v in pairs(got) do if want[k] == nil then print("extra", k, v) end end
print("keyval", eq(got, want))
local prefs = driver:open("prefs", "map")
print("map", prefs:get("bob", "theme"), prefs:get("bob", ""))
local iter = assert(driver:open("log", "archive"):find("alice", {}))
for key, value, when, with in iter do
	print("item", key, st.is_stanza(value) and tostring(value) or json.encode(value), when, with)
end
`)
	want := "keyval\ttrue\nmap\tdark\todd key\n" +
		"item\t" + k1 + "\t<message to='a@b'><body>hi &amp; &lt;bye&gt;</body></message>\t1000\ta@b\n" +
		"item\tk2\t{\"n\":1}\t2000\tc@d\n"
	if out != want {
		t.Errorf("Prosody read:\n%s\nwant:\n%s", out, want)
	}
}
