package bridge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// aliceAccount is the file `prosodyctl register alice example.com
// 's3cret pw'` wrote (Prosody 0.12.3, SCRAM-SHA-1, 10000 iterations).
const aliceAccount = `return {
	["iteration_count"] = 10000;
	["server_key"] = "589ea3a2c924e02c06777dcb92ad4bb7a55525fc";
	["salt"] = "f15cf478-3c07-4597-9025-e16b620ea61d";
	["stored_key"] = "bd2e8237976a20d952810190d43723a9174386fa";
};
`

const umModule = `
local um = require "core.usermanager"
local function show(...) local n = select("#", ...); local t = { ... }
	for i = 1, n do t[i] = tostring(t[i]) end; return table.concat(t, " ") end
function test(user, host, pw) return show(um.test_password(user, host, pw)) end
function exists(user, host) return show(um.user_exists(user, host)) end
function password(user, host) return show(um.get_password(user, host)) end
function list(host)
	local out = {}
	for u in um.users(host) do out[#out + 1] = u end
	return table.concat(out, ",")
end
function provider(host, pw)
	local p = um.get_provider(host)
	return show(p.name, p.test_password("alice", pw), p.user_exists("bob"), p.create_user("x", "y"))
end
function sasl(host, msg)
	local s = um.get_sasl_handler(host, {})
	local mechs = {}
	for m in pairs(s:mechanisms()) do mechs[#mechs + 1] = m end
	table.sort(mechs)
	local c = s:clean_clone()
	local selected = show(c:select("NOPE"), c:select("PLAIN"), c:select("PLAIN"))
	return table.concat(mechs, ",") .. " | " .. selected .. " | " .. show(c:process(msg)) .. " | " .. tostring(c.username)
end
`

// An account store as Prosody lays it out: data/<host>/accounts.
func userRuntime(t *testing.T, extra string) *Instance {
	t.Helper()
	data := t.TempDir()
	dir := filepath.Join(data, "example%2ecom", "accounts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"alice.dat": aliceAccount, "b%2eo%40b.dat": `return { password = "plain pw" }`,
		"broken.dat": `return {`}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tr := newTestRuntime(t, `data_path = "`+data+`"
VirtualHost "example.com"
`+extra+`
VirtualHost "other.example"
authentication = "ldap"
`, map[string]string{"um": umModule})
	return tr.load(t, "um")
}

func TestUsermanagerReadsProsodysAccounts(t *testing.T) {
	inst := userRuntime(t, "")
	for _, c := range [][2]string{
		{`test|alice|example.com|s3cret pw`, "true"},
		{`test|alice|example.com|s3cret pX`, "nil " + msgBadPassword},
		{`test|nobody|example.com|s3cret pw`, "nil " + msgBadPassword},
		{`test|b.o@b|example.com|plain pw`, "true"},
		{`test|b.o@b|example.com|plain`, "nil " + msgBadPassword},
		{`test|broken|example.com|x`, "nil Error reading storage"},
		{`test|alice|nowhere.example|s3cret pw`, "nil host nowhere.example is not in the config"},
		{`test|alice|other.example|s3cret pw`, `nil no such authentication provider: authentication = "ldap" (moonport reads Prosody's internal_hashed and internal_plain accounts)`},
		{`exists|alice|example.com`, "true"},
		{`exists|bob|example.com`, "nil " + msgNoUser},
		{`password|b.o@b|example.com`, "plain pw"},
		{`password|alice|example.com`, "nil the password is stored hashed"},
		{`list|example.com`, "alice,b.o@b,broken"},
		{`list|other.example`, ""},
		{`provider|example.com|s3cret pw`, "internal_hashed true nil true"},
	} {
		args := strings.Split(c[0], "|")
		var anyArgs []any
		for _, a := range args[1:] {
			anyArgs = append(anyArgs, a)
		}
		got, err := callGlobal(inst, args[0], anyArgs...)
		if err != nil && c[1] != "" {
			t.Errorf("%s: %v", c[0], err)
		}
		if got != c[1] {
			t.Errorf("%s = %q, want %q", c[0], got, c[1])
		}
	}
}

// The SASL handler's PLAIN answers as Prosody's util.sasl does.
func TestUsermanagerSASLPlain(t *testing.T) {
	inst := userRuntime(t, "")
	for msg, want := range map[string]string{
		"\x00alice\x00s3cret pw":        "PLAIN,SCRAM-SHA-1 | nil true | success | alice",
		"authz\x00ALICE\x00s3cret pw":   "PLAIN,SCRAM-SHA-1 | nil true | success | alice",
		"\x00alice\x00wrong":            "PLAIN,SCRAM-SHA-1 | nil true | failure not-authorized " + msgNotAuthz + " | alice",
		"\x00alice":                     "PLAIN,SCRAM-SHA-1 | nil true | failure malformed-request | nil",
		"\x00al:ce\x00s3cret pw":        "PLAIN,SCRAM-SHA-1 | nil true | failure malformed-request " + msgBadRequest + " | nil",
		"\x00alice\x00s3cret pw\x00etc": "PLAIN,SCRAM-SHA-1 | nil true | success | alice",
	} {
		if got, err := callGlobal(inst, "sasl", "example.com", msg); err != nil || got != want {
			t.Errorf("PLAIN %q = %q %v, want %q", msg, got, err, want)
		}
	}
}

// password_hash = "SHA-256" checks SCRAM-SHA-256 keys: the SHA-1 account
// no longer matches.
func TestUsermanagerPasswordHash(t *testing.T) {
	inst := userRuntime(t, `password_hash = "SHA-256"`)
	if got, _ := callGlobal(inst, "test", "alice", "example.com", "s3cret pw"); got != "nil "+msgBadPassword {
		t.Errorf("SHA-256 against SHA-1 keys: %q", got)
	}
}

// saslPlainBody feeds PLAIN messages to handler() and prints what each
// process call gave; the handler checks alice's password "s3cret pw" on
// example.com.
const saslPlainBody = `
function plain_answers()
	local out = {}
	local function show(...) local t = { ... }
		for i = 1, select("#", ...) do t[i] = tostring(t[i]) end; return table.concat(t, " ") end
	for _, msg in ipairs({ "\0alice\0s3cret pw", "authz\0ALICE\0s3cret pw", "\0alice\0wrong", "\0alice",
			"\0al:ce\0s3cret pw", "\0alice\0s3cret pw\0etc", "", "\0\0x", "a\0b", "\0 \0s3cret pw" }) do
		local c = handler():clean_clone()
		local first, again = c:select("PLAIN"), c:select("PLAIN")
		out[#out + 1] = show(first, again, c:process(msg)) .. " " .. tostring(c.username)
	end
	local mechs = {}
	for m in pairs(handler():mechanisms()) do mechs[#mechs + 1] = m end
	table.sort(mechs)
	out[#out + 1] = table.concat(mechs, ",") .. " " .. tostring((handler():clean_clone():select("NOPE")))
	return table.concat(out, "\n")
end
`

// The PLAIN handler answers each message as Prosody's util.sasl does with
// a profile that tests the password.
func TestUsermanagerSASLPlainAsProsodys(t *testing.T) {
	want := testenv.ProsodyLua(t, `local sasl = require "util.sasl"
function handler()
	return sasl.new("example.com", { plain_test = function(_, user, password, realm)
		return user == "alice" and password == "s3cret pw" and realm == "example.com", true
	end, scram_sha_1 = function() end })
end`+saslPlainBody+`io.write(plain_answers())`)
	inst := userRuntime(t, "")
	inst.call(func() {
		if err := inst.L.DoString(`local um = require "core.usermanager"
function handler() return um.get_sasl_handler("example.com", {}) end` + saslPlainBody); err != nil {
			t.Fatal(err)
		}
	})
	if got, err := callGlobal(inst, "plain_answers"); err != nil || got != want {
		t.Errorf("moonport:\n%s\n%v\nProsody:\n%s", got, err, want)
	}
}

// The accounts are the store "accounts" of the driver the storage
// options name for it, as in Prosody: storage = "sql" reads them from
// the database, storage = { accounts = "memory" } from memory (what a
// module wrote there); the data folder's account files no longer count.
func TestUsermanagerAccountsFollowStorage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "accounts.sqlite")
	for _, storageCfg := range []string{
		`storage = "sql"` + "\n" + `sql = { driver = "SQLite3", database = "` + db + `" }`,
		`storage = { accounts = "memory" }`,
	} {
		inst := userRuntime(t, storageCfg)
		inst.call(func() {
			if err := inst.L.DoString(`function write(user, pw)
	local accounts = module:context("example.com"):open_store("accounts")
	return tostring(assert(accounts:set(user, { password = pw })))
end`); err != nil {
				t.Fatal(err)
			}
		})
		if got, err := callGlobal(inst, "write", "carol", "c pw"); got != "true" || err != nil {
			t.Fatalf("%s: write: %q %v", storageCfg, got, err)
		}
		for _, c := range [][2]string{
			{`test|carol|example.com|c pw`, "true"},
			{`test|carol|example.com|c pX`, "nil " + msgBadPassword},
			{`test|alice|example.com|s3cret pw`, "nil " + msgBadPassword}, // a file in the data folder
			{`list|example.com`, "carol"},
		} {
			args := strings.Split(c[0], "|")
			var anyArgs []any
			for _, a := range args[1:] {
				anyArgs = append(anyArgs, a)
			}
			if got, err := callGlobal(inst, args[0], anyArgs...); got != c[1] || err != nil {
				t.Errorf("%s: %s = %q %v, want %q", storageCfg, c[0], got, err, c[1])
			}
		}
	}
}
