package testenv

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// prosodySQL is Lua that loads Prosody's own mod_storage_sql (with a
// stand-in for its module object, of the host HOST) on the SQLite file
// DB, leaving its driver in the global driver, and util.stanza (st),
// util.json (json) and eq (deep equality) for the body.
const prosodySQL = `
local opts = { sql = { driver = "SQLite3", database = DB }, sql_manage_tables = true }
local module = { host = HOST, name = "storage_sql" }
function module:get_option(k, d) local v = opts[k]; if v == nil then return d end return v end
module.get_option_number = module.get_option
function module:measure() return function() end end
function module:log(level, ...) if level == "error" then io.stderr:write(string.format(...), "\n") end end
local shared = {}
function module:shared(n) shared[n] = shared[n] or {}; return shared[n] end
function module:provides(_, d) driver = d end
function module:hook() end
prosody = { paths = { data = "/tmp" } }
local env = setmetatable({ module = module, prosody = prosody }, { __index = _G })
assert(loadfile("/usr/lib/prosody/modules/mod_storage_sql.lua", "t", env))()
module.load()
st = require "util.stanza"
json = require "util.json"
function eq(a, b)
	if type(a) ~= "table" or type(b) ~= "table" then return a == b end
	for k, v in pairs(a) do if not eq(v, b[k]) then return false end end
	for k in pairs(b) do if a[k] == nil then return false end end
	return true
end
`

// ProsodySQL runs body after loading Prosody 0.12's mod_storage_sql for
// host on the SQLite file db (lua5.4 with LuaDBI, as Prosody runs it),
// and returns what it printed: differential tests read and write the
// database as Prosody does. Without LuaDBI's SQLite3 backend the test is
// skipped; on CI it fails (.ci/run installs lua-dbi-sqlite3).
func ProsodySQL(t testing.TB, db, host, body string) string {
	t.Helper()
	if out := ProsodyLua(t, `print((pcall(require, "DBI")))`); strings.TrimSpace(out) != "true" {
		if os.Getenv("CI") != "" {
			t.Fatal("LuaDBI is not installed; .ci/run must install lua-dbi-sqlite3")
		}
		t.Skip("LuaDBI is not installed (apt-get install lua-dbi-sqlite3)")
	}
	return ProsodyLua(t, "DB = "+strconv.Quote(db)+"\nHOST = "+strconv.Quote(host)+"\n"+prosodySQL+body)
}
