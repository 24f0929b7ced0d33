package bridge

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

const archiveWriter = `
local st = require "util.stanza"
local a = module:open_store("log", "archive")
local out = {}
local function w(...) for i = 1, select("#", ...) do out[#out + 1] = tostring((select(i, ...))) end end
function run()
	local k1 = assert(a:append("alice", nil, st.message({ to = "b@x" }, "one"), 100, "b@x"))
	assert(a:append("alice", "k2", { n = 2 }, 200, "c@x") == "k2")
	assert(a:append("alice", "k3", "three", 300) == "k3")
	w(#k1, a.type, a.store, a.caps.total, a.caps.ids, a.caps.truncate, a.caps.full_id_range)
	local iter, total = a:find("alice", { total = true, reverse = true, limit = 2 })
	w(total)
	for k, v, when, with in iter do w(k, type(v) == "table" and v.n or v, when, with) end
	for k, v, when in a:find("alice", { with = "b@x" }) do w(k == k1, st.is_stanza(v), v:get_child_text("body"), v.attr.to, when) end
	w(select("#", a:find("alice")))
	local v, when, with = a:get("alice", k1)
	w(tostring(v), when, with)
	w(a:get("alice", "nope"))
	w(a:find("alice", { after = "nope" }))
	w(a:set("alice", "k2", nil, 250), select(2, a:get("alice", "k2")), a:get("alice", "k2").n)
	w(a:set("alice", "k2", st.stanza("x", { a = "1" }), nil, "d@x"), tostring((a:get("alice", "k2"))), select(3, a:get("alice", "k2")))
	w(a:set("alice", "nope", {}))
	local s = a:summary("alice")
	w(s.counts["b@x"], s.counts[""], s.earliest["d@x"], s.latest["b@x"])
	assert(a:append(nil, nil, "the host's own", 5))
	local users = {}
	for u in a:users() do users[#users + 1] = u end
	w(table.concat(users, ","))
	w(a:append("alice", nil, nil))
	local now = a:append("bob", nil, "now")
	w(math.abs(select(2, a:get("bob", now)) - os.time()) < 5)
	w(a:delete("alice", { ["end"] = 150 }), a:delete(true, { ["end"] = 10 }), a:delete("alice"))
	w(a:find("alice", { total = true, limit = 0 }))
	return table.concat(out, " ")
end
function bad_value() return a:append("alice", nil, { f = print }) end
function bad_query() return a:find("alice", { limit = "ten" }) end
function bad_stanza() local s = st.stanza("x"); s.attr.n = 1; return a:append("alice", nil, s) end
`

// An archive store from Lua: Prosody's methods and caps, a util.stanza
// object kept and given back as one, plain data as data, nil and
// Prosody's error names for what is not there, an error naming the
// method for what cannot be stored; another module reaches the same
// archive through core.storagemanager.
func TestOpenStoreArchive(t *testing.T) {
	reader := `function read()
		local a = require "core.storagemanager".open("a.example", "log", "archive")
		local out = {}
		for k, v, when, with in a:find("bob", { reverse = true }) do out[#out + 1] = k .. "=" .. tostring(v) end
		return table.concat(out, ",") .. " " .. tostring(((a:find("alice", {}))()))
	end`
	tr := newTestRuntime(t, `VirtualHost "a.example"`, map[string]string{"writer": archiveWriter, "reader": reader})
	w, err := tr.Load("writer", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := callGlobal(w, "run")
	want := "24 archive log true true true true 3 k3 three 300 nil k2 2 200 c@x " +
		"true true one b@x 100 1 " +
		"<message to='b@x'><body>one</body></message> 100 b@x nil item-not-found nil item-not-found " +
		"true 250 2 true <x a='1'/> d@x nil item-not-found " +
		"1 1 250 100 alice " +
		"nil unsupported-datatype true 1 1 2 function: 0"
	if err != nil || !strings.HasPrefix(got, strings.SplitN(want, "function: ", 2)[0]) || !strings.HasSuffix(got, " 0") {
		t.Errorf("run:\n%q (%v)\nwant\n%q", got, err, want)
	}
	for fn, msg := range map[string]string{
		"bad_value":  "store:append(): a function cannot be used here",
		"bad_query":  "query.limit must be a whole number",
		"bad_stanza": "store:append(): attribute n of stanza element <x> must be a string",
	} {
		if _, err := callGlobal(w, fn); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", fn, err, msg)
		}
	}
	r, err := tr.Load("reader", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(r, "read"); !strings.HasSuffix(got, "=now nil") || err != nil {
		t.Errorf("read: %q %v", got, err)
	}
}

// The example of docs/storage.md's "Archive stores" runs as written.
func TestArchiveDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/storage.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "## Archive stores")
	_, code, ok := strings.Cut(section, "```lua\n")
	code, _, _ = strings.Cut(code, "```")
	if !ok || !strings.Contains(code, `"archive"`) {
		t.Fatalf("no Lua example in docs/storage.md's archive section")
	}
	tr := newTestRuntime(t, `VirtualHost "a.example"`, map[string]string{"visits": code})
	if _, err := tr.Load("visits", "a.example"); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`[-\w]{24} at \d+: hi`).MatchString(tr.log.String()) {
		t.Errorf("log:\n%s", tr.log.String())
	}
}
