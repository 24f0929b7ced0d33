package bridge

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// storageModules is a runtime with data in dir, finding Prosody's modules
// and prosody-modules' name folder.
func storageModules(t *testing.T, dir, folder string) *testRuntime {
	for _, p := range []string{prosodyModules, folder} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is not installed (Debian packages prosody, prosody-modules)", p)
		}
	}
	tr := newTestRuntime(t, fmt.Sprintf("data_path = %q\nVirtualHost \"a.example\"", dir), nil)
	tr.sources = []Source{{Label: folder, FS: os.DirFS(folder)}, {Label: prosodyModules, FS: os.DirFS(prosodyModules)}}
	return tr
}

// Prosody's mod_tokenauth keeps its tokens in a map store: a token it
// makes in moonport is in the file Prosody's own datamanager reads, and a
// token Prosody's datamanager wrote is one moonport's mod_tokenauth
// accepts, and revokes.
func TestRealModTokenauthSharesTokensWithProsody(t *testing.T) {
	dir := t.TempDir()
	tr := storageModules(t, dir, prosodyModules)
	inst, err := tr.Load("tokenauth", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := runIn(inst, `local tok = assert(create_jid_token("alice@a.example", "alice@a.example", "xmpp", 3600))
		function check_alice() return get_token_info(tok).owner end`); err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "check_alice"); got != "alice@a.example" || err != nil {
		t.Errorf("moonport's get_token_info: %q %v", got, err)
	}
	dm := fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)`, dir)
	out := testenv.ProsodyLua(t, dm+`
		for id, info in pairs(dm.load("alice", "a.example", "auth_tokens")) do io.write(info.owner, " ", info.session.auth_scope, "\n") end
		assert(dm.store("bob", "a.example", "auth_tokens", { abc = { owner = "bob@a.example", jid = "bob@a.example",
			created = os.time(), session = { username = "bob", host = "a.example", auth_scope = "web" } } }))`)
	if out != "alice@a.example xmpp\n" {
		t.Errorf("Prosody read alice's tokens as %q", out)
	}
	bob := base64.StdEncoding.EncodeToString([]byte("1;bob@a.example;abc"))
	if err := runIn(inst, `function check_bob(tok)
		local info, err = get_token_info(tok)
		if not info then return err end
		assert(revoke_token(tok))
		return info.session.auth_scope .. " " .. tostring(get_token_info(tok))
	end`); err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "check_bob", bob); got != "web nil" || err != nil {
		t.Errorf("moonport's get_token_info of Prosody's token: %q %v", got, err)
	}
	if out := testenv.ProsodyLua(t, dm+`io.write(tostring(dm.load("bob", "a.example", "auth_tokens")))`); out != "nil" {
		t.Errorf("after revoking, Prosody reads bob's tokens as %q", out)
	}
}

// prosody-modules' mod_measure_active_users counts the users of the
// lastlog2 store Prosody's mod_lastlog2 keeps (written here by Prosody's
// datamanager): one active today, one this week, one this month.
func TestRealModMeasureActiveUsersReadsProsodysData(t *testing.T) {
	dir := t.TempDir()
	tr := storageModules(t, dir, prosodyModules+"/mod_measure_active_users")
	testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
		local now = os.time()
		for user, ago in pairs({ today = 3600, week = 3 * 86400, month = 20 * 86400, old = 90 * 86400 }) do
			assert(dm.store(user, "a.example", "lastlog2", { login = { timestamp = now - ago } }))
		end`, dir))
	inst, err := tr.Load("measure_active_users", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := runIn(inst, `update_calculations()`); err != nil {
		t.Fatal(err)
	}
	line := tr.log.wait(t, "Active users")
	if !strings.Contains(line, "1 (24h), 2 (7d), 3 (30d)") {
		t.Errorf("log: %s", line)
	}
}

// Prosody's mod_invites keeps account invites in the host's own map
// store: an invite made in moonport is one Prosody's datamanager reads,
// listed by pending_account_invites, gone once deleted.
func TestRealModInvitesSharesInvitesWithProsody(t *testing.T) {
	dir := t.TempDir()
	tr := storageModules(t, dir, prosodyModules)
	inst, err := tr.Load("invites", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := runIn(inst, `local invite = assert(create_account("carol"))
		function token() return invite.token end
		function info() return get_account_invite_info(invite.token).jid end
		function pending() local n = 0; for _ in pending_account_invites() do n = n + 1 end; return tostring(n) end
		function delete() assert(delete_account_invite(invite.token)); return pending() end`); err != nil {
		t.Fatal(err)
	}
	tok, _ := callGlobal(inst, "token")
	for fn, want := range map[string]string{"info": "carol@a.example", "pending": "1"} {
		if got, err := callGlobal(inst, fn); got != want || err != nil {
			t.Errorf("%s: %q %v, want %q", fn, got, err, want)
		}
	}
	dm := fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)`, dir)
	out := testenv.ProsodyLua(t, dm+fmt.Sprintf(`local i = dm.load(nil, "a.example", "invite_token")[%q]; io.write(i.jid, " ", i.type, " ", tostring(i.allow_registration))`, tok))
	if out != "carol@a.example register true" {
		t.Errorf("Prosody read the invite as %q", out)
	}
	if got, err := callGlobal(inst, "delete"); got != "0" || err != nil {
		t.Errorf("after delete: %q %v", got, err)
	}
	if out := testenv.ProsodyLua(t, dm+`io.write(tostring(dm.load(nil, "a.example", "invite_token")))`); out != "nil" {
		t.Errorf("after delete, Prosody reads %q", out)
	}
}

// prosody-modules' mod_list_inactive (a prosodyctl command) lists the
// accounts Prosody made whose lastlog is older than the range, reading
// both through core.usermanager and util.datamanager.
func TestRealModListInactiveReadsProsodysData(t *testing.T) {
	dir := t.TempDir()
	tr := storageModules(t, dir, prosodyModules+"/mod_list_inactive")
	testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
		for user, ago in pairs({ fresh = 3600, stale = 10 * 86400 }) do
			assert(dm.store(user, "a.example", "accounts", { password = "pw" }))
			assert(dm.store(user, "a.example", "lastlog", { event = "login", timestamp = os.time() - ago }))
		end
		assert(dm.store("never", "a.example", "accounts", { password = "pw" }))`, dir))
	inst, err := tr.Load("list_inactive", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := runIn(inst, `function run()
		local out = {}
		print = function(line) out[#out + 1] = line end
		module.command({ "a.example", "2d" })
		table.sort(out)
		return table.concat(out, "|")
	end`); err != nil {
		t.Fatal(err)
	}
	got, err := callGlobal(inst, "run")
	if err != nil || got != "never@a.example|stale@a.example" {
		t.Errorf("inactive: %q %v", got, err)
	}
}

// Prosody's mod_groups loads its groups file and registers its
// util.datamanager callback (which sees this state's roster writes only:
// moonport keeps no rosters).
func TestRealModGroupsLoads(t *testing.T) {
	dir := t.TempDir()
	groups := dir + "/groups.txt"
	if err := os.WriteFile(groups, []byte("[+Team]\nalice@a.example=Alice\nnot a jid@@\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := storageModules(t, dir, prosodyModules)
	tr.Runtime.config.Store(evaluate(t, fmt.Sprintf("data_path = %q\nVirtualHost \"a.example\"\ngroups_file = %q", dir, groups)))
	inst, err := tr.Load("groups", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	tr.log.wait(t, "Groups loaded successfully")
	if err := runIn(inst, `function member(jid) return tostring(group_contains("Team", jid)) end
		function dropped() return tostring((require "util.datamanager".add_callback(remove_virtual_contacts))) end`); err != nil {
		t.Fatal(err)
	}
	for jid, want := range map[string]string{"alice@a.example": "Alice", "bob@a.example": "nil"} {
		if got, _ := callGlobal(inst, "member", jid); got != want {
			t.Errorf("group_contains(Team, %s) = %q, want %q", jid, got, want)
		}
	}
	if got, _ := callGlobal(inst, "dropped"); got != "nil" {
		t.Errorf("mod_groups' callback was not registered: add_callback again gave %q", got)
	}
}

// prosody-modules' mod_register_web (its form served through Prosody's
// mod_http) checks a name against the accounts Prosody keeps and makes
// a new one through core.usermanager's create_user, which Prosody's own
// util.datamanager and SCRAM library then read and check.
func TestRealModRegisterWebSeesProsodysAccounts(t *testing.T) {
	dir := t.TempDir()
	tr := storageModules(t, dir, prosodyModules+"/mod_register_web")
	testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
		assert(dm.store("carol", "a.example", "accounts", { password = "pw" }))`, dir))
	inst, err := tr.Load("register_web", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := runIn(inst, `function try(name)
		local jid, err = register_user({ username = name, password = "x pw", confirm_password = "x pw" }, { ip = "127.0.0.1" })
		return tostring(jid) .. " " .. tostring(err)
	end`); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"carol": "nil Username already taken",
		"dave":  "dave@a.example nil",
	} {
		if got, err := callGlobal(inst, "try", name); got != want || err != nil {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
	got := testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
		require "util.sasl"
		local a = assert(dm.load("dave", "a.example", "accounts"))
		local hex = require "util.hex"
		local ok, stored, server = require "util.sasl.scram".hashers["SHA-1"]("x pw", a.salt, a.iteration_count)
		io.write(tostring(ok and hex.encode(stored) == a.stored_key and hex.encode(server) == a.server_key), " ", a.iteration_count)`, dir))
	if got != "true 10000" {
		t.Errorf("Prosody checking dave's account: %q, want the keys of \"x pw\" and 10000 iterations", got)
	}
}
