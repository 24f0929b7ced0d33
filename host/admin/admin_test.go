package admin

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/moonport/moonport/host/status"
)

// fakeHost is a server as the console sees it, recording what the
// commands asked of it.
type fakeHost struct {
	status    status.Snapshot
	conns     []Conn
	access    Access
	reloadErr error

	closedConns []uint64
	closedPorts []string
	overrides   []string
	undone      int
	reloads     []string
	logLevel    string
	reopened    int
	shutdown    string
	hidden      int
}

var _ Host = (*fakeHost)(nil)

func (f *fakeHost) Status() status.Snapshot { return f.status }
func (f *fakeHost) Conns() []Conn           { return append([]Conn(nil), f.conns...) }
func (f *fakeHost) CloseConn(id uint64) bool {
	for _, c := range f.conns {
		if c.ID == id {
			f.closedConns = append(f.closedConns, id)
			return true
		}
	}
	return false
}
func (f *fakeHost) ClosePort(port int, iface string) int {
	n := 0
	for _, l := range f.status.Listeners {
		if l.Port == port && (iface == "" || l.Address == iface) {
			n++
			f.closedPorts = append(f.closedPorts, l.AddrPort)
		}
	}
	return n
}
func (f *fakeHost) Multiplexers() []Multiplexer {
	return []Multiplexer{{Name: "xmpp", Pattern: "^<", Protocol: "xmpp-client"}}
}
func (f *fakeHost) ConfigOption(host, name string) string { return host + "/" + name }
func (f *fakeHost) Override(op, module, host string) func() {
	f.overrides = append(f.overrides, op+" "+module+" on "+host)
	return func() { f.undone++ }
}
func (f *fakeHost) Reload(why string) error {
	f.reloads = append(f.reloads, why)
	return f.reloadErr
}
func (f *fakeHost) SetLogLevel(level string) error {
	if level == "loud" {
		return errors.New("no level loud")
	}
	f.logLevel = level
	return nil
}
func (f *fakeHost) ReopenLogs() error             { f.reopened++; return nil }
func (f *fakeHost) RequestShutdown(reason string) { f.shutdown = reason }
func (f *fakeHost) Upgrade() error                { return errors.New("this process cannot upgrade itself") }
func (f *fakeHost) Access() Access                { return f.access }
func (f *fakeHost) HideSecrets()                  { f.hidden++ }

func newFake() *fakeHost {
	return &fakeHost{
		status: status.Snapshot{
			Version: "1.2.3", Uptime: 90 * time.Second, Connections: 3,
			Listeners: []status.Listener{
				{Service: "echo", Listener: "echo", Address: "127.0.0.1", Port: 7007, AddrPort: "127.0.0.1:7007", Encryption: "none",
					Counters: status.Counters{Open: 2, Accepted: 9, Refused: 1, BytesIn: 10, BytesOut: 20, LuaErrors: 1}},
				{Service: "echo", Listener: "public", Address: "0.0.0.0", Port: 7007, AddrPort: "0.0.0.0:7007", Encryption: "STARTTLS", Public: true},
			},
			Modules: []status.Module{
				{Name: "echo", Host: "*", File: "/m/mod_echo.lua", Services: []string{"echo", "echo_udp"}, Copies: 2, Connections: 2},
				{Name: "muc", Host: "rooms.example", File: "/m/mod_muc.lua", Status: "error: no storage"},
			},
			Reloads: status.Reloads{Count: 3, Failures: 1, Last: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastError: "bad"},
		},
		conns: []Conn{
			{ID: 9, Service: "echo", Listener: "echo", Peer: "127.0.0.1:5000", TLS: 0x0304, In: 5, Out: 6, Started: time.Now()},
			{ID: 2, Service: "forward", Peer: "192.0.2.1:25", Started: time.Now()},
		},
		access: Access{Auth: true, Password: "long enough secret"},
	}
}

func call(t *testing.T, a *Admin, name string, args ...any) any {
	t.Helper()
	res, err := a.Call(name, args)
	if err != nil {
		t.Fatalf("%s%v: %v", name, args, err)
	}
	return res
}

func callErr(t *testing.T, a *Admin, name string, args ...any) string {
	t.Helper()
	res, err := a.Call(name, args)
	if err == nil {
		t.Fatalf("%s%v: %v, want an error", name, args, res)
	}
	return err.Error()
}

func quietLog() *logrus.Logger {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return log
}

// TestEveryCallOfTheShippedModulesIsACommand: the shipped modules
// (mod_admin_telnet, mod_net_multiplex) call nothing the table lacks, and
// the table holds nothing they never call.
func TestEveryCallOfTheShippedModulesIsACommand(t *testing.T) {
	files, _ := filepath.Glob("../../modules/*.lua")
	called := map[string]string{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`call\("([a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			called[m[1]] = filepath.Base(file)
		}
	}
	for name, file := range called {
		if _, ok := commands[name]; !ok {
			t.Errorf("%s calls %q, which is no command", file, name)
		}
	}
	for name := range commands {
		if called[name] == "" {
			t.Errorf("command %q is never called by a shipped module", name)
		}
	}
	if msg := callErr(t, New(newFake(), quietLog()), "nope"); msg != `unknown admin call "nope"` {
		t.Errorf("unknown call: %s", msg)
	}
}

func TestServerCommands(t *testing.T) {
	f := newFake()
	a := New(f, quietLog())
	if v := call(t, a, "version"); v != "1.2.3" {
		t.Errorf("version %v", v)
	}
	if v := call(t, a, "uptime"); v != 90.0 {
		t.Errorf("uptime %v", v)
	}
	if m := call(t, a, "memory").(Row); m["connections"] != 3.0 || m["heap"].(float64) <= 0 {
		t.Errorf("memory %v", m)
	}
	call(t, a, "shutdown")
	if f.shutdown != "console request" {
		t.Errorf("shutdown without a reason: %q", f.shutdown)
	}
	call(t, a, "shutdown", "maintenance")
	if f.shutdown != "maintenance" {
		t.Errorf("shutdown reason %q", f.shutdown)
	}
	if msg := callErr(t, a, "upgrade"); !strings.Contains(msg, "cannot upgrade") {
		t.Errorf("upgrade: %s", msg)
	}
	call(t, a, "log_level", "debug")
	if f.logLevel != "debug" || callErr(t, a, "log_level", "loud") != "no level loud" {
		t.Errorf("log level %q", f.logLevel)
	}
	if call(t, a, "reopen_logs"); f.reopened != 1 {
		t.Errorf("reopen_logs: reopened %d times", f.reopened)
	}
	if v := call(t, a, "config_get", "", "ssl"); v != "*/ssl" {
		t.Errorf("config_get on no host: %v", v)
	}
	want := Row{"count": 3.0, "failures": 1.0, "last": "2026-01-02T03:04:05Z", "error": "bad"}
	if v := call(t, a, "reload_status"); !reflect.DeepEqual(v, want) {
		t.Errorf("reload_status %v", v)
	}
	call(t, a, "reload")
	if !reflect.DeepEqual(f.reloads, []string{"console"}) {
		t.Errorf("reloads %v", f.reloads)
	}
}

func TestPortCommands(t *testing.T) {
	f := newFake()
	a := New(f, quietLog())
	want := Rows{
		{"service": "echo", "listener": "echo", "address": "127.0.0.1", "port": 7007.0, "encryption": "none", "reach": "local", "open": 2.0, "accepted": 9.0},
		{"service": "echo", "listener": "public", "address": "0.0.0.0", "port": 7007.0, "encryption": "STARTTLS", "reach": "public", "open": 0.0, "accepted": 0.0},
	}
	if v := call(t, a, "ports"); !reflect.DeepEqual(v, want) {
		t.Errorf("ports:\n got %v\nwant %v", v, want)
	}
	stats := call(t, a, "stats").(Row)
	first := stats["listeners"].(Rows)[0]
	if stats["reloads"] != 3.0 || stats["reload_failures"] != 1.0 || first["rejected"] != 1.0 || first["in"] != 10.0 || first["lua_errors"] != 1.0 || first["address"] != "127.0.0.1:7007" {
		t.Errorf("stats %v", stats)
	}
	if v := call(t, a, "close_port", 7007.0, "0.0.0.0"); v != 1.0 || !reflect.DeepEqual(f.closedPorts, []string{"0.0.0.0:7007"}) {
		t.Errorf("close_port on an address: %v, closed %v", v, f.closedPorts)
	}
	if msg := callErr(t, a, "close_port", 80.0); msg != "nothing listens on port 80" {
		t.Errorf("close_port 80: %s", msg)
	}
	if msg := callErr(t, a, "close_port", 7007.0, "::1"); msg != "nothing listens on port 7007 on ::1" {
		t.Errorf("close_port on ::1: %s", msg)
	}
	if msg := callErr(t, a, "close_port"); msg != "nothing listens on port 0" {
		t.Errorf("close_port without arguments: %s", msg)
	}
	want = Rows{{"name": "xmpp", "pattern": "^<", "protocol": "xmpp-client", "sni": nil}}
	if v := call(t, a, "multiplex_services"); !reflect.DeepEqual(v, want) {
		t.Errorf("multiplex_services %v", v)
	}
}

func TestConnectionCommands(t *testing.T) {
	f := newFake()
	a := New(f, quietLog())
	rows := call(t, a, "conns").(Rows)
	if len(rows) != 2 || rows[0]["id"] != 2.0 || rows[0]["listener"] != "(outgoing)" || rows[0]["tls"] != "no" ||
		rows[1]["tls"] != "TLS 1.3" || rows[1]["in"] != 5.0 || rows[1]["age"] != "0s" {
		t.Errorf("conns, by id: %v", rows)
	}
	if rows := call(t, a, "conns", "echo").(Rows); len(rows) != 1 || rows[0]["peer"] != "127.0.0.1:5000" {
		t.Errorf("conns of echo: %v", rows)
	}
	if v := call(t, a, "close_conn", 9.0); v != true || !reflect.DeepEqual(f.closedConns, []uint64{9}) {
		t.Errorf("close_conn 9: %v, closed %v", v, f.closedConns)
	}
	if msg := callErr(t, a, "close_conn", 4.0); msg != "no connection 4" {
		t.Errorf("close_conn 4: %s", msg)
	}
}

func TestModuleCommands(t *testing.T) {
	f := newFake()
	a := New(f, quietLog())
	want := Rows{{"name": "echo", "host": "*", "file": "/m/mod_echo.lua", "services": "echo,echo_udp", "copies": 2.0, "connections": 2.0}}
	if v := call(t, a, "module_info", "echo"); !reflect.DeepEqual(v, want) {
		t.Errorf("module_info echo: %v", v)
	}
	if rows := call(t, a, "modules").(Rows); len(rows) != 2 || rows[1]["status"] != "error: no storage" {
		t.Errorf("modules: %v", rows)
	}
	if msg := callErr(t, a, "module_info", "nope"); msg != "module 'nope' is not loaded" {
		t.Errorf("module_info nope: %s", msg)
	}
	// A reload of a module that is not there is refused before any reload.
	if msg := callErr(t, a, "module_reload", "muc"); msg != `module 'muc' is not loaded on * (it is on rooms.example: name the host, module:reload("muc", "rooms.example"))` {
		t.Errorf("module_reload muc: %s", msg)
	}
	if msg := callErr(t, a, "module_reload", "nope"); msg != "module 'nope' is not loaded; module:list() shows what is" {
		t.Errorf("module_reload nope: %s", msg)
	}
	if len(f.reloads) != 0 {
		t.Errorf("reloaded for a module that is not loaded: %v", f.reloads)
	}
	call(t, a, "module_reload", "muc", "rooms.example")
	call(t, a, "module_load", "time")
	call(t, a, "module_reload", "echo", "*", "modulemanager")
	// A load or unload whose reload fails is taken back; a reload is not.
	f.reloadErr = errors.New("x.cfg.lua:1: broken")
	callErr(t, a, "module_unload", "echo")
	callErr(t, a, "module_reload", "echo")
	wantOverrides := []string{"reload muc on rooms.example", "load time on *", "reload echo on *", "unload echo on *", "reload echo on *"}
	if !reflect.DeepEqual(f.overrides, wantOverrides) || f.undone != 1 {
		t.Errorf("overrides %v, undone %d", f.overrides, f.undone)
	}
	if f.reloads[1] != "console module:load(time)" || f.reloads[2] != "modulemanager module:reload(echo)" {
		t.Errorf("reloads %v", f.reloads)
	}
}

func TestConsoleSecret(t *testing.T) {
	f := newFake()
	a := New(f, quietLog())
	if v := call(t, a, "console_secret", "192.0.2.7"); v != "long enough secret" {
		t.Errorf("with a password, from another machine: %v", v)
	}
	f.access = Access{Auth: false}
	if v := call(t, a, "console_secret", "::1"); v != nil {
		t.Errorf("console_auth = false on loopback: %v", v)
	}
	if msg := callErr(t, a, "console_secret", "192.0.2.7"); !strings.HasPrefix(msg, "refused to 192.0.2.7: console_auth = false") {
		t.Errorf("console_auth = false from another machine: %s", msg)
	}
	// The cookie is made on first use, and the logs learn to hide it.
	f.access = Access{Auth: true, CookieFile: filepath.Join(t.TempDir(), "console.cookie")}
	cookie := call(t, a, "console_secret", "127.0.0.1").(string)
	if b, err := os.ReadFile(f.access.CookieFile); err != nil || strings.TrimSpace(string(b)) != cookie || f.hidden != 1 {
		t.Errorf("cookie %q, file %q (%v), hidden %d", cookie, b, err, f.hidden)
	}
	if again := call(t, a, "console_secret", "127.0.0.1"); again != cookie {
		t.Errorf("the cookie changed: %v", again)
	}
}

// TestAuthFailed: each failure from an address doubles the wait, up to
// 8 s, and is logged; other addresses start afresh.
func TestAuthFailed(t *testing.T) {
	log, hook := test.NewNullLogger()
	a := New(newFake(), log)
	var got []any
	for range 7 {
		got = append(got, call(t, a, "auth_failed", "192.0.2.7"))
	}
	got = append(got, call(t, a, "auth_failed", "192.0.2.8"))
	if want := []any{0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 0.25}; !reflect.DeepEqual(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	if e := hook.LastEntry(); e == nil || e.Level != logrus.WarnLevel || e.Message != "console: wrong or missing password from 192.0.2.8 (1 failure(s); next answer in 0.25s)" {
		t.Errorf("log: %v", e)
	}
}
