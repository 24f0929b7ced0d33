package e2e

import (
	"bufio"
	"encoding/base64"
	jsonlib "encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// prosodyModules is where Debian's prosody-modules package puts each
// community module, in a folder of its own.
const prosodyModules = "/usr/lib/prosody/modules"

// needModule skips (or, on CI, fails) a test whose module file is missing.
func needModule(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(prosodyModules, "mod_"+name)
	if _, err := os.Stat(filepath.Join(dir, "mod_"+name+".lua")); err != nil {
		testenv.NeedTool(t, "mod_"+name+".lua", "prosody-modules")
	}
	return dir
}

// dovecotCase is one AUTH request: its mechanism and the SASL message.
type dovecotCase struct{ mech, msg string }

var dovecotCases = []dovecotCase{
	{"PLAIN", "\x00alice\x00s3cret pw"},
	{"PLAIN", "\x00alice\x00s3cret pX"},
	{"PLAIN", "\x00ALICE\x00s3cret pw"},
	{"PLAIN", "admin\x00bob\x00another one"},
	{"PLAIN", "\x00nobody\x00s3cret pw"},
	{"PLAIN", "\x00alice"},
	{"FOO", "x"},
	{"SCRAM-SHA-1", "x,,n=alice,r=abc"},
	{"SCRAM-SHA-1", "n,,n=nobody,r=abc"},
}

// dovecotAnswers speaks Dovecot's auth protocol to the service on port:
// the handshake, then each of dovecotCases as AUTH request i+1,
// returning the answer lines and, last, the MECH lines of the handshake,
// sorted (the order is Lua's table order) and joined.
func dovecotAnswers(t *testing.T, port int) []string {
	t.Helper()
	return dovecotAnswersTo(t, port, dovecotCases)
}

// dovecotAnswersTo is dovecotAnswers with the cases given.
func dovecotAnswersTo(t *testing.T, port int, cases []dovecotCase) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", loopback(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	var mechs []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if line == "DONE\n" {
			break
		}
		if strings.HasPrefix(line, "MECH\t") {
			mechs = append(mechs, strings.TrimSuffix(line, "\n"))
		}
	}
	sort.Strings(mechs)
	fmt.Fprintf(c, "VERSION\t1\t1\nCPID\t4242\n")
	var out []string
	for i, k := range cases {
		fmt.Fprintf(c, "AUTH\t%d\t%s\tservice=smtp\tresp=%s\n", i+1, k.mech, base64.StdEncoding.EncodeToString([]byte(k.msg)))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("AUTH %d on port %d: %v", i+1, port, err)
		}
		out = append(out, strings.TrimSuffix(line, "\n"))
	}
	return append(out, strings.Join(mechs, " | "))
}

// TestDovecotAuthAnswersAsProsody: Prosody's mod_net_dovecotauth, run by
// moonport on the accounts prosodyctl made, offers the mechanisms Prosody
// 0.12 offers (PLAIN and SCRAM-SHA-1: its MECH lines) and gives each AUTH
// request the answer Prosody gives (OK with the user, or FAIL and the
// reason).
func TestDovecotAuthAnswersAsProsody(t *testing.T) { dovecotAuthBeside(t, "") }

// TestDovecotAuthAccountsOnSQL: with storage = "sql" the accounts are
// rows of Prosody's database (Prosody's usermanager keeps them in the
// store "accounts" of the configured driver); prosodyctl registers
// them there and moonport, given the same storage options, answers
// mod_net_dovecotauth's requests as Prosody does: on SQLite (one file)
// and on PostgreSQL.
func TestDovecotAuthAccountsOnSQL(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		// Relative to data_path, for both (prosodyctl, as root, runs as
		// the prosody user, who may write there).
		dovecotAuthBeside(t, "storage = \"sql\"\nsql = { driver = \"SQLite3\", database = \"accounts.sqlite\" }\n")
	})
	t.Run("postgresql", func(t *testing.T) {
		if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/lua/5.4/dbd/postgresql.so"); err != nil {
			// LuaDBI's PostgreSQL driver, for Prosody's mod_storage_sql.
			if os.Getenv("CI") != "" {
				t.Fatal("lua-dbi-postgresql is not installed; .ci/run must install it")
			}
			t.Skip("lua-dbi-postgresql not installed")
		}
		pg := testenv.Postgres(t)
		dovecotAuthBeside(t, fmt.Sprintf("storage = \"sql\"\nsql = { driver = \"PostgreSQL\", database = %q, host = %q, port = %d, username = %q, password = %q }\n",
			pg.NewDatabase(t), pg.Host, pg.Port, pg.User, pg.Password))
	})
}

// dovecotAuthBeside registers alice and bob with prosodyctl under the
// storage options storageCfg ("" for Prosody's default, its data
// folder), runs Prosody and moonport, each with mod_net_dovecotauth and
// those options, and compares their answers.
func dovecotAuthBeside(t *testing.T, storageCfg string) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	prosodyctl := testenv.NeedTool(t, "prosodyctl", "prosody")
	plugin := needModule(t, "net_dovecotauth")
	bin := testenv.Binary(t)
	dir, data := prosodyDirs(t)
	p := testenv.FreePorts(t, 2)
	common := fmt.Sprintf("data_path = %q\ninterfaces = { \"127.0.0.1\" }\nplugin_paths = { %q }\nmodules_disabled = { \"c2s\", \"s2s\" }\n", data, plugin) + storageCfg
	host := "VirtualHost \"example.com\"\nmodules_enabled = { \"net_dovecotauth\" }\n"
	pcfg := writeProsodyConfig(t, dir, data, common+fmt.Sprintf("dovecotauth_ports = { %d }\n", p[0])+host)
	for _, u := range [][2]string{{"alice", "s3cret pw"}, {"bob", "another one"}} {
		if out, err := exec.Command(prosodyctl, "--config", pcfg, "register", u[0], "example.com", u[1]).CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl register %s: %v\n%s", u[0], err, out)
		}
	}
	if storageCfg != "" {
		// The accounts are in the database, not in the data folder.
		if _, err := os.Stat(filepath.Join(data, "example%2ecom", "accounts")); !os.IsNotExist(err) {
			t.Fatalf("prosodyctl wrote account files in the data folder with %q: %v", storageCfg, err)
		}
	}
	testenv.Start(t, prosody, testenv.Args("--config", pcfg, "-F"))
	logFile := filepath.Join(dir, "moonport.log")
	mcfg := testenv.WriteConfig(t, common+fmt.Sprintf("run_as_root = true\nlog = { { to = \"file\", filename = %q } }\ndovecotauth_ports = { %d }\n", logFile, p[1])+host)
	testenv.Start(t, bin, testenv.Config(mcfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	if !t.Run("moonport listens", func(t *testing.T) { testenv.WaitListening(t, p[1], loopback(p[1])) }) {
		b, _ := os.ReadFile(logFile)
		t.Fatalf("moonport's log:\n%s", b)
	}

	logsOnFailure(t, logFile, filepath.Join(data, "prosody.log"))
	want, got := dovecotAnswers(t, p[0]), dovecotAnswers(t, p[1])
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("moonport answered\n%s\nProsody\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(want[0], "OK\t1\tuser=alice") || !strings.HasPrefix(want[1], "FAIL\t2") || !strings.Contains(want[len(want)-1], "MECH\tSCRAM-SHA-1") {
		t.Errorf("Prosody's own answers are not what this test expects: %q", want)
	}
}

// httpGet fetches path from 127.0.0.1:port as host: the status, the
// Content-Type and the body.
func httpGet(t *testing.T, port int, host, path string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	req.Host = host
	client := &http.Client{Timeout: 10 * time.Second}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err = client.Do(req); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// TestServerStatusAnswersAsProsody: mod_server_status (prosody-modules)
// answers its page, as XML and as JSON, with what Prosody 0.12 answers:
// the status, the Content-Type and the document (the JSON compared as
// data, since the order of its keys is Lua's table order).
func TestServerStatusAnswersAsProsody(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	plugin := needModule(t, "server_status")
	bin := testenv.Binary(t)
	for _, json := range []bool{false, true} {
		dir, data := prosodyDirs(t)
		p := testenv.FreePorts(t, 2)
		common := func(port int) string {
			return fmt.Sprintf("data_path = %q\nplugin_paths = { %q }\nmodules_disabled = { \"c2s\", \"s2s\" }\n"+
				"http_ports = { %d }\nhttp_interfaces = { \"127.0.0.1\" }\nhttps_ports = { }\n"+
				"server_status_json = %v\nserver_status_show_hosts = { \"example.com\", \"nowhere.example\" }\n"+
				"VirtualHost \"example.com\"\nmodules_enabled = { \"server_status\" }\n", data, plugin, port, json)
		}
		testenv.Start(t, prosody, testenv.Args("--config", writeProsodyConfig(t, dir, data, common(p[0])), "-F"))
		logFile := filepath.Join(dir, "moonport.log")
		testenv.Start(t, bin, testenv.Config(testenv.WriteConfig(t, fmt.Sprintf("run_as_root = true\nlog = { { to = \"file\", filename = %q } }\n", logFile)+common(p[1]))))
		wantStatus, wantType, wantBody := httpGet(t, p[0], "example.com", "/server-status/")
		status, ctype, body := httpGet(t, p[1], "example.com", "/server-status/")
		if wantStatus != 200 || !strings.Contains(wantBody, "example.com") {
			t.Fatalf("Prosody answered %d %q", wantStatus, wantBody)
		}
		same := body == wantBody
		if json {
			var a, b any
			same = jsonlib.Unmarshal([]byte(body), &a) == nil && jsonlib.Unmarshal([]byte(wantBody), &b) == nil && reflect.DeepEqual(a, b)
		}
		if status != wantStatus || ctype != wantType || !same {
			log, _ := os.ReadFile(logFile)
			t.Errorf("json=%v: moonport answered %d %q\n%s\nProsody %d %q\n%s\nmoonport's log:\n%s", json, status, ctype, body, wantStatus, wantType, wantBody, log)
		}
	}
}

// TestPosixLoadsAndLeavesTheProcessToMoonport: Prosody's mod_posix,
// autoloaded from Prosody's module folder into a moonport started as root
// that becomes prosody_user, loads and runs without daemonizing, changing
// user, refusing root (moonport loads modules before it drops
// privileges) or touching moonport's pidfile, and says what it leaves to
// moonport.
func TestPosixLoadsAndLeavesTheProcessToMoonport(t *testing.T) {
	testenv.NeedRoot(t)
	if _, err := os.Stat(filepath.Join(prosodyModules, "mod_posix.lua")); err != nil {
		testenv.NeedTool(t, "mod_posix.lua", "prosody")
	}
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755) // the folder of the pidfile and log, for prosody_user
	os.Chmod(dir, 0o755)
	port := testenv.FreePorts(t, 1)[0]
	logFile, pidfile := filepath.Join(dir, "moonport.log"), filepath.Join(dir, "moonport.pid")
	mods, _ := filepath.Abs("../examples/modules")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\n"+
		"echo_ports = { %d }\nprosody_user = \"prosody\"\npidfile = %q\nlog = { { to = \"file\", filename = %q } }\n",
		prosodyModules, mods, port, pidfile, logFile))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	waitLog(t, logFile, "moonport handles SIGTERM itself", 1)
	log := waitLog(t, logFile, "Now running as prosody", 1)
	for _, want := range []string{"Option pidfile reads as unset in modules", "Option run_as_root reads as true in modules", "module=posix"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log has no %q:\n%s", want, log)
		}
	}
	for _, bad := range []string{"posix (host", "Couldn't load signal library", "daemoniz", "Refusing to run as root", "Danger"} {
		if strings.Contains(log, bad) {
			t.Errorf("the log has %q:\n%s", bad, log)
		}
	}
	b, err := os.ReadFile(pidfile)
	if err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(cmd.Pid()) {
		t.Errorf("the pidfile holds %q (%v), want moonport's pid %d", b, err, cmd.Pid())
	}
	echoes(t, port)
	if err := cmd.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("moonport stopped: %v\n%s", err, log)
	}
}

// reopenModule answers each connection with what core.loggingmanager's
// reload_logging() returned.
const reopenModule = `local lm = require "core.loggingmanager"
module:provides("net", { name = "reopen", listener = {
	onconnect = function(conn)
		local ok, err = lm.reload_logging()
		conn:write(tostring(ok) .. " " .. tostring(err) .. "\n")
		conn:close()
	end } })
`

// TestReloadLoggingReopensTheLogFiles: a module's reload_logging() opens
// the log files again, as SIGUSR1 does after logrotate moved them.
func TestReloadLoggingReopensTheLogFiles(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mod_reopen.lua"), []byte(reopenModule), 0o644)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(dir, "moonport.log")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"reopen\" }\ninterfaces = { \"127.0.0.1\" }\n"+
		"reopen_ports = { %d }\nrun_as_root = true\nlog = { { to = \"file\", filename = %q } }\n", dir, port, logFile))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	c := testenv.DialLine(t, port)
	defer c.Close()
	c.Expect("true nil")
	waitLog(t, logFile, "Reopened log files", 1)
}

// mmDriverModule reloads module target from a connection (the outcome
// follows the callback), or from a task when the client sends "task"
// (the outcome is written back); it logs each config-reloaded it sees.
const mmDriverModule = `local mm = require "core.modulemanager"
local admin = require "moonport.admin"
module:hook("config-reloaded", function() module:log("info", "driver saw config-reloaded") end)
module:provides("net", { name = "driver", listener = { default_mode = "*l",
	onincoming = function(conn, line)
		if line == "task" then
			admin.run(function()
				local ok, err = mm.reload("*", "target")
				conn:write(tostring(ok) .. " " .. tostring(err) .. "\n")
			end)
		else
			conn:write(tostring(mm.reload("*", line)) .. "\n")
		end
	end } })
`

// TestModulemanagerReloadsThroughTheHost: core.modulemanager.reload in
// the real binary reloads the module (its file unchanged) through the
// host's reload, from a callback and from a task, and fires no
// config-reloaded.
func TestModulemanagerReloadsThroughTheHost(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mod_driver.lua"), []byte(mmDriverModule), 0o644)
	os.WriteFile(filepath.Join(dir, "mod_target.lua"), []byte(`module:log("info", "target loaded")`+"\n"), 0o644)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(dir, "moonport.log")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"driver\", \"target\" }\ninterfaces = { \"127.0.0.1\" }\n"+
		"driver_ports = { %d }\nrun_as_root = true\nlog = { { to = \"file\", filename = %q } }\n", dir, port, logFile))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	c := testenv.DialLine(t, port)
	defer c.Close()
	c.Send("target\n")
	c.Expect("true")
	waitLog(t, logFile, "target loaded", 2)
	c.Send("task\n")
	c.Expect("true nil")
	log := waitLog(t, logFile, "Reloaded (modulemanager module:reload(target))", 2)
	if n := strings.Count(log, "target loaded"); n != 3 {
		t.Errorf("target loaded %d times, want 3:\n%s", n, log)
	}
	c.Send("nothing\n")
	c.Expect("true")
	log = waitLog(t, logFile, `modulemanager.reload(\"*\", \"nothing\") failed`, 1)
	if strings.Contains(log, "driver saw config-reloaded") {
		t.Errorf("a module reload fired config-reloaded:\n%s", log)
	}
}
