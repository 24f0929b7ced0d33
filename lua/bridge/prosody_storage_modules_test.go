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
