package bridge

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// datesModule appends items at chosen times and lists archive:dates().
const datesModule = `local a = module:open_store("log", "archive")
local function show(d, err)
	if d == nil then return "nil " .. tostring(err) end
	return table.concat(d, ",")
end
function run()
	local out = { show(a:dates("alice")) }
	for _, when in ipairs({ 86399.9, 86400.5, 100, 1700000000, 1700000001 }) do
		assert(a:append("alice", nil, "x", when, "b@x"))
	end
	assert(a:append("bob", nil, "y", 0))
	out[#out + 1] = show(a:dates("alice"))
	out[#out + 1] = show(a:dates("bob"))
	assert(a:delete("alice"))
	out[#out + 1] = show(a:dates("alice"))
	return table.concat(out, " | ")
end`

// archive:dates() on every driver: the UTC days with items, each once,
// in the archive's order (a later item on an earlier day adds none), nil
// for a user without items; the null driver's answer is its error.
func TestArchiveDates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dates.sqlite")
	want := "nil nil | 1970-01-01,1970-01-02,2023-11-14 | 1970-01-01 | nil nil"
	for label, c := range map[string][2]string{
		"internal": {"", want},
		"memory":   {`storage = "memory"`, want},
		"sql":      {`storage = "sql"` + "\n" + `sql = { driver = "SQLite3", database = "` + db + `" }`, want},
	} {
		tr := newTestRuntime(t, `data_path = "`+t.TempDir()+`"`+"\n"+c[0]+"\n"+`VirtualHost "a.example"`, map[string]string{"dates": datesModule})
		inst, err := tr.Load("dates", "a.example")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := callGlobal(inst, "run"); err != nil || got != c[1] {
			t.Errorf("%s: %q %v, want %q", label, got, err, c[1])
		}
	}
	tr := newTestRuntime(t, `storage = "null"`+"\n"+`VirtualHost "a.example"`, map[string]string{"dates": `local a = module:open_store("log", "archive")
function run() return tostring((a:dates("alice"))) .. " " .. tostring((select(2, a:dates("alice")))) end`})
	inst, err := tr.Load("dates", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "run"); err != nil || got != "false no data storage active" {
		t.Errorf("null: %q %v", got, err)
	}
}

// summary's body: each with's last message text on the internal driver,
// as Prosody's; empty on the others.
func TestArchiveSummaryBody(t *testing.T) {
	module := `local st = require "util.stanza"
local a = module:open_store("log", "archive")
function run()
	assert(a:append("alice", nil, st.message({}, "first"), 1, "b@x"))
	assert(a:append("alice", nil, st.message({}, "last"), 2, "b@x"))
	assert(a:append("alice", nil, st.message({}):tag("x"):up(), 3, "b@x"))
	assert(a:append("alice", nil, "plain", 4, "c@x"))
	local s = a:summary("alice")
	return tostring(s.body["b@x"]) .. " " .. tostring(s.body["c@x"]) .. " " .. s.counts["b@x"]
end`
	for label, c := range map[string][2]string{
		"internal": {"", "last nil 3"},
		"memory":   {`storage = "memory"`, "nil nil 3"},
	} {
		tr := newTestRuntime(t, `data_path = "`+t.TempDir()+`"`+"\n"+c[0]+"\n"+`VirtualHost "a.example"`, map[string]string{"body": module})
		inst, err := tr.Load("body", "a.example")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := callGlobal(inst, "run"); err != nil || got != c[1] {
			t.Errorf("%s: %q %v, want %q", label, got, err, c[1])
		}
	}
}

// On the data folder, moonport's dates are those Prosody's internal
// driver computes from the same list file (its dates() body: the list
// loaded, each when's UTC day, each day once). Whole seconds: Prosody
// 0.12's util.datetime.date raises an error on a fractional time under
// Lua 5.4, where moonport counts it on its day.
func TestArchiveDatesAsProsodys(t *testing.T) {
	dir := t.TempDir()
	tr := newTestRuntime(t, `data_path = "`+dir+`"`+"\n"+`VirtualHost "a.example"`, map[string]string{"dates": `local a = module:open_store("log", "archive")
function run()
	for _, when in ipairs({ 1700000000, 86399, 1700050000, 86400, 1600000000 }) do
		assert(a:append("alice", nil, "x", when))
	end
	return table.concat(a:dates("alice"), ",")
end`})
	inst, err := tr.Load("dates", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := callGlobal(inst, "run")
	if err != nil {
		t.Fatal(err)
	}
	want := testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
local array, datetime = require "util.array", require "util.datetime"
local items = assert(dm.list_load("alice", "a.example", "log"))
io.write(table.concat(array(items):pluck("when"):map(datetime.date):unique(), ","))`, dir))
	if got != want || want != "2023-11-14,1970-01-01,2023-11-15,1970-01-02,2020-09-13" {
		t.Errorf("moonport %q, Prosody %q", got, want)
	}
}
