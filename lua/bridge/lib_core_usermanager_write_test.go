package bridge

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// umWriteBody calls core.usermanager's writes and shows what they left:
// the account record, the events on the global bus, a user's roster.
const umWriteBody = `local um = require "core.usermanager"
local function show(...) local t = { ... }
	for i = 1, select("#", ...) do t[i] = tostring(t[i]) end; return table.concat(t, " ") end
local seen = {}
module:hook_global("user-password-changed", function(e)
	seen[#seen + 1] = "changed " .. e.username .. "@" .. e.host .. "/" .. tostring(e.resource) end)
module:hook_global("user-deleted", function(e) seen[#seen + 1] = "deleted " .. e.username .. "@" .. e.host end)
function call(op, ...) return show(um[op](...)) end
function events() local s = table.concat(seen, ";"); seen = {}; return s end
function record(user)
	local a = module:context("example.com"):open_store("accounts"):get(user)
	if a == nil then return "nil" end
	local keys = {}
	for k, v in pairs(a) do keys[#keys + 1] = k .. "=" .. tostring(v) end
	table.sort(keys)
	return table.concat(keys, " ")
end
function create_nopw(user) return show(um.create_user(user, nil, "example.com")) end
function via_provider(user)
	local p = um.get_provider("example.com")
	return show(p.set_password(user, "x pw"), p.delete_user(user))
end
function set_roster(user) return show(module:context("example.com"):open_store("roster"):set(user, { x = 1 })) end
function roster(user) return show(module:context("example.com"):open_store("roster"):get(user)) end
`

// umSteps runs op|arg|... calls of umWriteBody's functions on inst,
// each against the answer wanted (a regexp when it starts with "~").
func umSteps(t *testing.T, inst *Instance, label string, steps [][2]string) {
	t.Helper()
	if !strings.Contains(inst.Name, "um") {
		t.Fatalf("not the um module: %s", inst.Name)
	}
	for _, s := range steps {
		parts := strings.Split(s[0], "|")
		var args []any
		for _, a := range parts[1:] {
			args = append(args, a)
		}
		got, err := callGlobal(inst, parts[0], args...)
		if err != nil {
			t.Errorf("%s: %s: %v", label, s[0], err)
			continue
		}
		want := s[1]
		if re, ok := strings.CutPrefix(want, "~"); ok {
			if !regexp.MustCompile("^" + re + "$").MatchString(got) {
				t.Errorf("%s: %s = %q, want match of %s", label, s[0], got, re)
			}
		} else if got != want {
			t.Errorf("%s: %s = %q, want %q", label, s[0], got, want)
		}
	}
}

// writeRuntime is userRuntime with umWriteBody in the um module.
func writeRuntime(t *testing.T, extra string) *Instance {
	t.Helper()
	inst := userRuntime(t, extra)
	inst.call(func() {
		if err := inst.L.DoString(umWriteBody); err != nil {
			t.Fatal(err)
		}
	})
	return inst
}

// hashed is the pattern of a hashed account's record: its iteration
// count, a UUID salt and hex keys of the hash's size, no password.
func hashed(iterations, hexLen int) string {
	return fmt.Sprintf(`~iteration_count=%d salt=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} server_key=[0-9a-f]{%d} stored_key=[0-9a-f]{%d}`,
		iterations, hexLen, hexLen)
}

// The writes on each driver the accounts may live on: an account made
// logs in, a new password replaces the old, a deleted user is gone with
// his data, and the events fire as Prosody's usermanager fires them.
func TestUsermanagerWrites(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prosody.sqlite")
	for label, cfg := range map[string]string{
		"internal": "",
		"memory":   `storage = "memory"`,
		"sql":      `storage = "sql"` + "\n" + `sql = { driver = "SQLite3", database = "` + db + `" }`,
	} {
		inst := writeRuntime(t, cfg)
		umSteps(t, inst, label, [][2]string{
			{"call|create_user|dave|d pw|example.com", "true"},
			{"record|dave", hashed(10000, 40)},
			{"call|test_password|dave|example.com|d pw", "true"},
			{"call|test_password|dave|example.com|d pX", "nil " + msgBadPassword},
			{"call|user_exists|dave|example.com", "true"},
			{"set_roster|dave", "true"},
			{"roster|dave", "~table: .*"},
			{"call|set_password|dave|new pw|example.com|phone", "true"},
			{"events", "changed dave@example.com/phone"},
			{"call|test_password|dave|example.com|d pw", "nil " + msgBadPassword},
			{"call|test_password|dave|example.com|new pw", "true"},
			{"record|dave", hashed(10000, 40)},
			{"call|set_password|nobody|x|example.com", "nil Account not available."},
			{"events", ""},
			{"call|delete_user|dave|example.com", "true"},
			{"events", "deleted dave@example.com"},
			{"call|user_exists|dave|example.com", "nil " + msgNoUser},
			{"record|dave", "nil"},
			{"roster|dave", "nil"},
		})
	}
}

// The keys of an account moonport makes are those Prosody's SCRAM
// library derives from the password, salt and iteration count.
func TestUsermanagerCreateUserKeysAsProsodys(t *testing.T) {
	for hash, hexLen := range map[string]int{"SHA-1": 40, "SHA-256": 64} {
		inst := writeRuntime(t, `password_hash = "`+hash+`"`+"\ndefault_iteration_count = 4096")
		umSteps(t, inst, hash, [][2]string{
			{"call|create_user|erin|\u00e9 pw|example.com", "true"},
			{"record|erin", hashed(4096, hexLen)},
			{"call|test_password|erin|example.com|\u00e9 pw", "true"},
		})
		var salt, stored, server string
		inst.call(func() {
			a := inst.L.DoString(`local a = module:context("example.com"):open_store("accounts"):get("erin")
				_salt, _stored, _server = a.salt, a.stored_key, a.server_key`)
			if a != nil {
				t.Fatal(a)
			}
			salt = inst.L.GetGlobal("_salt").String()
			stored = inst.L.GetGlobal("_stored").String()
			server = inst.L.GetGlobal("_server").String()
		})
		got := testenv.ProsodyLua(t, fmt.Sprintf(`local hex = require "util.hex"
require "util.sasl"
local ok, stored, server = require "util.sasl.scram".hashers[%q]("\u{e9} pw", %q, 4096)
io.write(tostring(ok), " ", hex.encode(stored), " ", hex.encode(server))`, hash, salt))
		if want := "true " + stored + " " + server; got != want {
			t.Errorf("%s: Prosody derives %q, moonport wrote %q", hash, got, want)
		}
	}
}

// internal_plain keeps the SASLprep'd password; a password SASLprep
// refuses gets each provider's answer; a hashed account made without a
// password is an empty record (none at all in the data folder, as
// Prosody's files); a higher iteration count stays; the provider
// object's methods change the store without the events.
func TestUsermanagerWritesEdges(t *testing.T) {
	plain := writeRuntime(t, `authentication = "internal_plain"`)
	umSteps(t, plain, "plain", [][2]string{
		{"call|create_user|fay|f\u00adpw|example.com", "true"}, // SASLprep maps the soft hyphen to nothing
		{"record|fay", "password=fpw"},
		{"call|get_password|fay|example.com", "fpw"},
		{"call|set_password|fay|g pw|example.com", "true"},
		{"record|fay", "password=g pw"},
		{"call|create_user|gus|bad\u0007|example.com", "nil Password fails SASLprep."},
		{"call|user_exists|gus|example.com", "nil " + msgNoUser},
	})
	inst := writeRuntime(t, "default_iteration_count = 4096")
	umSteps(t, inst, "hashed", [][2]string{
		{"call|create_user|gus|bad\u0007|example.com", "false password fails SASLprep"},
		{"call|set_password|alice|bad\u0007|example.com", "false password fails SASLprep"},
		{"create_nopw|hal", "true"},
		{"record|hal", "nil"},
		{"call|set_password|alice|new pw|example.com", "true"},
		{"record|alice", hashed(10000, 40)}, // prosodyctl's 10000 stays over 4096
		{"call|test_password|alice|example.com|new pw", "true"},
		{"events", "changed alice@example.com/nil"},
		{"via_provider|alice", "true true"},
		{"events", ""},
		{"call|user_exists|alice|example.com", "nil " + msgNoUser},
		{"call|create_user|ivy|i pw|example.com", "true"},
		{"record|ivy", hashed(4096, 40)},
	})
	bad := writeRuntime(t, `default_iteration_count = "many"`)
	umSteps(t, bad, "bad count", [][2]string{
		{"call|create_user|ivy|i pw|example.com", `~nil test\.cfg\.lua:\d+: default_iteration_count = "many": write a whole number of iterations, such as 10000`},
	})
}

// With a module's provider the events fire and delete_user purges too:
// they are core.usermanager's, not the provider's.
func TestUsermanagerWriteEventsWithAModulesProvider(t *testing.T) {
	tr := newTestRuntime(t, noAutoload+`data_path = "`+t.TempDir()+`"
VirtualHost "example.com"
authentication = "custom"
modules_enabled = { "auth_custom", "um" }
`, map[string]string{
		"auth_custom": `local provider = {}
function provider.set_password(user, password)
	if user == "x" then return true end
	return nil, "no " .. user
end
function provider.delete_user(user) return true end
module:provides("auth", provider)`,
		"um": umWriteBody,
	})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	umSteps(t, tr.loadedModule("example.com", "um"), "custom", [][2]string{
		{"call|set_password|y|pw|example.com", "nil no y"},
		{"events", ""},
		{"call|set_password|x|pw|example.com|r", "true"},
		{"set_roster|x", "true"},
		{"call|delete_user|x|example.com", "true"},
		{"events", "changed x@example.com/r;deleted x@example.com"},
		{"roster|x", "nil"},
	})
}
