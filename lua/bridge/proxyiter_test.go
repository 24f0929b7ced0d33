package bridge

import (
	"strings"
	"testing"
)

// iterOwner owns module:shared("/*/owner/sessions") (it loads first) and
// changes it; iterUser reaches it through a proxy and iterates it.
const iterOwner = `
local s = module:shared("sessions")
function add(k, v) s[k] = v end
function add_nested() s.nested = { list = { "x", "y", "z" }, n = 3 } end
function drop(k) s[k] = nil end
function fill_array() for i = 1, 5 do s[i] = "v" .. i end end
function own_view()
	local n = 0
	for _ in pairs(s) do n = n + 1 end
	return n .. " " .. #s .. " " .. tostring(next(s) ~= nil)
end
`

const iterUser = `
local s = module:shared("/*/owner/sessions")
local function sorted(t)
	local ks = {}
	for k, v in pairs(t) do ks[#ks + 1] = tostring(k) .. "=" .. (type(v) == "table" and "table" or tostring(v)) end
	table.sort(ks)
	return table.concat(ks, ",")
end
function list() return sorted(s) end
function nested()
	local out = {}
	for k, v in pairs(s) do
		if k == "nested" then
			for i, x in ipairs(v.list) do out[#out + 1] = i .. x end
			out[#out + 1] = "n=" .. v.n .. " #" .. #v.list
		end
	end
	return table.concat(out, " ")
end
function ipairs_order()
	local out = {}
	for i, v in ipairs(s) do out[#out + 1] = i .. v end
	return table.concat(out, " ")
end
function len() return tostring(#s) end
function empty() return tostring(next(s) == nil) end
function walk_next()
	local ks, k, v = {}, next(s)
	while k ~= nil do ks[#ks + 1] = tostring(k) .. "=" .. tostring(v); k, v = next(s, k) end
	table.sort(ks)
	return table.concat(ks, ",")
end
function for_next()
	local n = 0
	for k in next, s do n = n + 1 end
	return tostring(n)
end
function bad_key() local ok, err = pcall(next, s, "no such key"); return tostring(ok) .. " " .. tostring(err) end
function nested_loops()
	local n = 0
	for a in pairs(s) do for b in pairs(s) do n = n + 1 end end
	return tostring(n)
end
function clear_all() for k in pairs(s) do s[k] = nil end end
`

// pairs, next, ipairs and # through a module:shared proxy see the owner's
// table as it is at the time: keys the owner adds after the proxy was
// taken, nested tables (copied), removals; before, pairs and # saw an
// empty table.
func TestSharedProxyIterates(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"owner": iterOwner, "user": iterUser})
	owner, user := tr.load(t, "owner"), tr.load(t, "user")
	call := func(inst *Instance, fn string, args ...any) string {
		t.Helper()
		got, err := callGlobal(inst, fn, args...)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		return got
	}
	if got := call(user, "empty"); got != "true" {
		t.Errorf("next of an empty shared table: %s", got)
	}
	call(owner, "add", "alice", "1")
	call(owner, "add", "bob", "2")
	if got := call(user, "list"); got != "alice=1,bob=2" {
		t.Errorf("pairs after the owner added keys: %q", got)
	}
	if got := call(user, "empty"); got != "false" {
		t.Errorf("next(s) == nil with keys: %s", got)
	}
	call(owner, "add_nested")
	if got := call(user, "nested"); got != "1x 2y 3z n=3 #3" {
		t.Errorf("nested table through pairs: %q", got)
	}
	call(owner, "drop", "nested")
	call(owner, "fill_array")
	if got := call(user, "ipairs_order"); got != "1v1 2v2 3v3 4v4 5v5" {
		t.Errorf("ipairs: %q", got)
	}
	if got := call(user, "len"); got != "5" {
		t.Errorf("#: %q", got)
	}
	want := "1=v1,2=v2,3=v3,4=v4,5=v5,alice=1,bob=2"
	if got := call(user, "walk_next"); got != want {
		t.Errorf("next(s, k) walk: %q, want %q", got, want)
	}
	if got := call(user, "for_next"); got != "7" {
		t.Errorf("for k in next, s: %q", got)
	}
	if got := call(user, "nested_loops"); got != "49" {
		t.Errorf("nested pairs over one proxy: %q", got)
	}
	if got := call(user, "bad_key"); !strings.Contains(got, "false") || !strings.Contains(got, "invalid key to 'next'") {
		t.Errorf("next(s, missing): %q", got)
	}
	call(user, "clear_all")
	if got := call(owner, "own_view"); got != "0 0 false" {
		t.Errorf("the owner after the proxy cleared every key in a pairs loop: %q", got)
	}
}

// The owner's own table is untouched by these: pairs and # there are the
// plain table's (no __pairs, no Host).
func TestSharedOwnerTableIsPlain(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"owner": iterOwner})
	owner := tr.load(t, "owner")
	callGlobal(owner, "fill_array")
	if got, err := callGlobal(owner, "own_view"); err != nil || got != "5 5 true" {
		t.Errorf("owner's view: %q, %v", got, err)
	}
}

// pairs over a module:depends proxy lists the module's own globals (not
// the libraries every state has), # is its globals' length.
func TestDependsProxyIterates(t *testing.T) {
	user := `
local dep = module:depends("dep")
function list()
	local ks = {}
	for k, v in pairs(dep) do ks[#ks + 1] = k .. ":" .. type(v) end
	table.sort(ks)
	return table.concat(ks, ",")
end
function first() local k = next(dep); return type(k) end
function len() return tostring(#dep) end
`
	tr := newTestRuntime(t, `modules_enabled = { "user" }`, map[string]string{"dep": depModule("v1"), "user": user})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	u := instanceNamed(t, tr.Runtime, "user")
	if got, err := callGlobal(u, "list"); err != nil || got != "get:function,label:string,limits:table" {
		t.Errorf("pairs(dep): %q, %v", got, err)
	}
	if got, err := callGlobal(u, "first"); err != nil || got != "string" {
		t.Errorf("next(dep): %q, %v", got, err)
	}
	if got, err := callGlobal(u, "len"); err != nil || got != "0" {
		t.Errorf("#dep: %q, %v", got, err)
	}
}
