package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// umAdminModule is a module of the test that changes accounts through
// core.usermanager over HTTP: /um_admin/passwd?user=&password= and
// /um_admin/delete?user= answer with what the call returned.
const umAdminModule = `local um = require "core.usermanager"
local http = require "net.http"
local function call(fn)
	return function(event)
		local q = http.formdecode(event.request.url.query or "")
		local ok, err = fn(q)
		return tostring(ok) .. " " .. tostring(err)
	end
end
module:provides("http", { route = {
	["GET /passwd"] = call(function(q) return um.set_password(q.user, q.password, module.host) end),
	["GET /delete"] = call(function(q) return um.delete_user(q.user, module.host) end),
} })
`

// TestAccountsMoonportWritesLogInProsody: an account prosody-modules'
// mod_register_web makes in moonport (core.usermanager's create_user)
// logs in to the real Prosody's mod_net_dovecotauth on the same storage;
// a password moonport sets replaces the old one there, and a user
// moonport deletes is gone for Prosody — in the data folder and in an
// SQLite database.
func TestAccountsMoonportWritesLogInProsody(t *testing.T) {
	for name, cfg := range map[string]string{
		"internal": "",
		"sqlite":   "storage = \"sql\"\nsql = { driver = \"SQLite3\", database = \"accounts.sqlite\" }\n",
	} {
		t.Run(name, func(t *testing.T) { accountsBeside(t, cfg) })
	}
}

// accountsBeside runs Prosody with mod_net_dovecotauth and moonport with
// mod_register_web and umAdminModule (as the user prosody, so Prosody
// reads what it writes) under the storage options storageCfg.
func accountsBeside(t *testing.T, storageCfg string) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	dovecot := needModule(t, "net_dovecotauth")
	needModule(t, "register_web")
	bin := testenv.Binary(t)
	dir, data := prosodyDirs(t)
	plugins := filepath.Join(dir, "plugins")
	os.Mkdir(plugins, 0o755)
	if err := os.WriteFile(filepath.Join(plugins, "mod_um_admin.lua"), []byte(umAdminModule), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testenv.FreePorts(t, 2)
	common := fmt.Sprintf("data_path = %q\ninterfaces = { \"127.0.0.1\" }\nmodules_disabled = { \"c2s\", \"s2s\" }\n", data) + storageCfg
	testenv.Start(t, prosody, testenv.Args("--config", writeProsodyConfig(t, dir, data, common+fmt.Sprintf("plugin_paths = { %q }\ndovecotauth_ports = { %d }\n", dovecot, p[0])+
		"VirtualHost \"example.com\"\nmodules_enabled = { \"net_dovecotauth\" }\n"), "-F"))
	logFile := filepath.Join(data, "moonport.log")
	testenv.Start(t, bin, testenv.Config(testenv.WriteConfig(t, common+fmt.Sprintf("plugin_paths = { %q, %q }\nlog = { { to = \"file\", filename = %q } }\n"+
		"http_ports = { %d }\nhttp_interfaces = { \"127.0.0.1\" }\nhttps_ports = { }\n", prosodyModules, plugins, logFile, p[1])+
		"VirtualHost \"example.com\"\nmodules_enabled = { \"register_web\", \"um_admin\" }\n")))
	logsOnFailure(t, logFile, filepath.Join(data, "prosody.log"))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	testenv.WaitListening(t, p[1], loopback(p[1]))

	if body := registerWeb(t, p[1], "carol", "c4rol pw"); !strings.Contains(body, "carol@example.com") {
		t.Fatalf("mod_register_web in moonport did not register carol:\n%s", body)
	}
	logsIn := func(step, password string, want ...string) {
		t.Helper()
		got := dovecotAnswersTo(t, p[0], []dovecotCase{{"PLAIN", "\x00carol\x00" + password}, {"SCRAM-SHA-1", "n,,n=carol,r=abc"}})
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: Prosody answered %q, want %q…", step, got[i], w)
			}
		}
	}
	logsIn("registered", "c4rol pw", "OK\t1\tuser=carol", "CONT\t2")
	logsIn("registered, wrong password", "other", "FAIL\t1")
	if _, _, body := httpGet(t, p[1], "example.com", "/um_admin/passwd?user=carol&password=n3w+pw"); body != "true nil" {
		t.Fatalf("set_password in moonport: %q", body)
	}
	logsIn("new password", "n3w pw", "OK\t1\tuser=carol")
	logsIn("old password", "c4rol pw", "FAIL\t1")
	if _, _, body := httpGet(t, p[1], "example.com", "/um_admin/delete?user=carol"); body != "true nil" {
		t.Fatalf("delete_user in moonport: %q", body)
	}
	logsIn("deleted", "n3w pw", "FAIL\t1", "FAIL\t2")
}

// registerWeb fills mod_register_web's form on port (its simple captcha
// answered) for user and password: the page it answers with.
func registerWeb(t *testing.T, port int, user, password string) string {
	t.Helper()
	_, _, page := httpGet(t, port, "example.com", "/register_web")
	m := regexp.MustCompile(`What is (\d) ([+-]) (\d)\?(?s:.*)name="captcha_challenge" type="hidden" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no captcha in mod_register_web's page:\n%s", page)
	}
	x, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[3])
	answer := x + y
	if m[2] == "-" {
		answer = x - y
	}
	form := url.Values{"username": {user}, "password": {password}, "confirm_password": {password},
		"captcha_reply": {strconv.Itoa(answer)}, "captcha_challenge": {m[4]}}
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/register_web", port), strings.NewReader(form.Encode()))
	req.Host = "example.com"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
