package bridge

import (
	"fmt"
	"path/filepath"
	"testing"
)

// storeLoop writes then reads the host's own keyval data n times, and
// appends then finds the newest of an archive n times: what a module
// serving each request from a store does.
const storeLoop = `
local kv = module:open_store("bench")
local log = module:open_store("bench_log", "archive")
function keyval(n)
	for i = 1, n do
		assert(kv:set(nil, { count = i, name = "x" }))
		assert(kv:get(nil).count == i)
	end
	return "ok"
end
function archive(n)
	for i = 1, n do
		local user = "u" .. math.floor(i / 100)
		assert(log:append(user, nil, { n = i }, i, "w"))
		for _, v in log:find(user, { reverse = true, limit = 1 }) do assert(v.n == i) end
	end
	return "ok"
end`

// BenchmarkStoreFromLua is one store write and one read from Lua, through
// module:open_store, its bounds (storage_timeout) and the value copies,
// on each driver the config can name. The archive's find of the newest
// item reads the user's whole list on memory and internal (as Prosody's
// internal driver does), so each user gets 100 items at most: the cost
// stays that of an archive of 0 to 100 items whatever b.N, and no
// driver's quota is reached.
func BenchmarkStoreFromLua(b *testing.B) {
	for _, driver := range []string{"memory", "internal", "sql"} {
		for _, fn := range []string{"keyval", "archive"} {
			b.Run(driver+"/"+fn, func(b *testing.B) {
				dir := b.TempDir()
				cfg := fmt.Sprintf("lua_timeout = 0\ndata_path = %q\nstorage = %q\nsql = { driver = \"SQLite3\", database = %q }\nVirtualHost \"a.example\"",
					dir, driver, filepath.Join(dir, "bench.sqlite"))
				tr := newTestRuntime(b, cfg, map[string]string{"s": storeLoop})
				inst, err := tr.Load("s", "a.example")
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				if got, err := callGlobal(inst, fn, float64(b.N)); got != "ok" || err != nil {
					b.Fatalf("%q %v", got, err)
				}
			})
		}
	}
}
