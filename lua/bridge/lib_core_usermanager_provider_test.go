package bridge

import "testing"

// A module's auth provider, picked by authentication, answers
// core.usermanager's calls in its own state; a host without one keeps
// the account store.
func TestUsermanagerUsesAModulesProvider(t *testing.T) {
	tr := newTestRuntime(t, noAutoload+`data_path = "`+t.TempDir()+`"
VirtualHost "example.com"
authentication = "custom"
modules_enabled = { "auth_custom", "um" }
VirtualHost "other.example"
modules_enabled = { "um" }
`, map[string]string{
		"auth_custom": `calls = 0
local provider = {}
function provider.test_password(user, password)
	calls = calls + 1
	if user == "x" and password == "y" then return true end
	return nil, "wrong for " .. user .. " on " .. module.host
end
function provider.user_exists(user) return user == "x" or nil end
function provider.users() local done; return function() if not done then done = true; return "x" end end end
module:provides("auth", provider)
function count() return tostring(calls) end`,
		"um": `local um = require "core.usermanager"
function check(host)
	local names = {}
	for u in um.users(host) do names[#names + 1] = u end
	local ok, err = um.test_password("x", host, "z")
	return table.concat({ tostring(um.test_password("x", host, "y")), tostring(ok), tostring(err),
		tostring(um.user_exists("x", host)), table.concat(names, ","), tostring(um.get_provider(host).name),
		tostring((select(2, um.get_sasl_handler(host, {})))) }, " | ")
end`,
	})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	um := tr.loadedModule("example.com", "um")
	want := "true | nil | wrong for x on example.com | true | x | custom | method not implemented"
	if got, err := callGlobal(um, "check", "example.com"); err != nil || got != want {
		t.Errorf("with the module's provider:\n got  %q %v\n want %q", got, err, want)
	}
	if got, _ := callGlobal(tr.loadedModule("example.com", "auth_custom"), "count"); got != "2" {
		t.Errorf("the provider's own state counted %s calls, want 2", got)
	}
	want = "nil | nil | " + msgBadPassword + " | nil | " + " | internal_hashed | nil"
	if got, err := callGlobal(tr.loadedModule("other.example", "um"), "check", "other.example"); err != nil || got != want {
		t.Errorf("with the account store:\n got  %q %v\n want %q", got, err, want)
	}
}
