package bridge

import (
	"path/filepath"
	"testing"
)

// quotaModule appends three items to alice's archive "log" and reports
// what each append gave, and caps.quota.
const quotaModule = `
local st = require "util.stanza"
function fill()
	local log = module:open_store("log", "archive")
	local out = { "quota=" .. tostring(log.caps.quota) }
	for i = 1, 3 do
		local key, err = log:append("alice", nil, st.message({}, "m" .. i), 1000 + i, "x@y")
		out[#out + 1] = key and "ok" or (tostring(key) .. " " .. tostring(err))
	end
	return table.concat(out, " ")
end
`

// storage_archive_item_limit is Prosody's archive quota on every driver:
// an append past it gives nil, "quota-limit", and caps.quota reports it;
// unset, each driver has Prosody's default (internal 10000, memory
// 1000, sql none).
func TestArchiveItemLimit(t *testing.T) {
	for _, c := range []struct{ cfg, want string }{
		{`storage_archive_item_limit = 2`, "quota=2 ok ok nil quota-limit"},
		{"storage = \"memory\"\nstorage_archive_item_limit = 2", "quota=2 ok ok nil quota-limit"},
		{"storage = \"sql\"\nstorage_archive_item_limit = 2", "quota=2 ok ok nil quota-limit"},
		{``, "quota=10000 ok ok ok"},
		{`storage = "memory"`, "quota=1000 ok ok ok"},
		{`storage = "sql"`, "quota=nil ok ok ok"},
	} {
		dir := t.TempDir()
		cfg := `data_path = "` + dir + `"
sql = { driver = "SQLite3", database = "` + filepath.Join(dir, "db.sqlite") + `" }
VirtualHost "a.example"
` + c.cfg
		tr := newTestRuntime(t, cfg, map[string]string{"q": quotaModule})
		inst, err := tr.Load("q", "a.example")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := callGlobal(inst, "fill"); got != c.want || err != nil {
			t.Errorf("%q: %q %v, want %q", c.cfg, got, err, c.want)
		}
	}
}
