package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
)

// Startup carries on without the modules that do not load (issue 15, rule
// 2) and ends with one info line naming the XMPP modules skipped and one
// error line listing what did not load; a reload that adds one does the
// same instead of failing.
func TestStartupSaysWhatDidNotLoad(t *testing.T) {
	echo := freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "echo", "roster", "nope" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
VirtualHost "x.example"
	modules_enabled = { "broken", "disco" }
`, echo), map[string]string{"broken": `error("broken on purpose")`})
	th.waitLog(t, "level=info", "Skipped XMPP modules, as moonport is not an XMPP server: roster, disco")
	th.waitLog(t, "level=error", "2 module(s) did not load: nope (host *), broken (host x.example)")
	th.waitLog(t, "level=debug", "autoloaded module 'c2s' is not on the plugin paths")
	c := dial(t, echo)
	c.Send("still here\n")
	c.Expect("still here")

	cfg := filepath.Join(th.dir, "prosody.cfg.lua")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), `"nope" }`, `"nope", "nope_either" }`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := th.Reload("test"); err != nil {
		t.Fatalf("a reload adding a missing module: %v", err)
	}
	th.waitLog(t, "level=error", "3 module(s) did not load: nope (host *), nope_either (host *), broken (host x.example)")
	log, _ := os.ReadFile(th.logFile)
	if n := strings.Count(string(log), "module(s) did not load"); n != 2 {
		t.Errorf("%d summary lines, want one at startup and one at the reload", n)
	}
}

// Prosody refuses to start without an enabled VirtualHost (issue 15, rule
// 5); a config with host sections gets the same, one without any host
// section (moonport's own kind) starts.
func TestNoEnabledVirtualHostIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(cfg, []byte("VirtualHost \"x.example\"\n\tenabled = false\nComponent \"rooms.x.example\" \"muc\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := luaconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Config: snap, Log: logrus.New()})
	if err == nil || !strings.Contains(err.Error(), cfg+":1: No enabled VirtualHost entries found in the config file. At least one active host is required") {
		t.Fatalf("New: %v", err)
	}
}

// check config's unknown options (issue 15, rule 9): neither moonport nor
// a loaded module reads them. A module's get_option reads (on any host),
// a service's own prefix and moonport's options are known.
func TestUnknownOptions(t *testing.T) {
	th := newHost(t, `modules_enabled = { "reader" }
reader_ports = { }
reader_read_timeout = 30
reader_workers = 1
typo_option = true
admins = { "me@x.example" }
lua_timeout = 2
VirtualHost "x.example"
	greeting_text = "hi"
	storage = "internal"
	storge = "sql"
VirtualHost "off.example"
	enabled = false
	whatever = 1
`, map[string]string{"reader": `module:provides("net", { name = "reader", listener = {} })
function module.load() module:get_option_string("greeting_text") end`})
	defer th.Close()
	got := strings.Join(th.UnknownOptions(), "\n")
	cfg := filepath.Join(th.dir, "prosody.cfg.lua")
	want := strings.Join([]string{
		cfg + ":7: option 'typo_option' is read neither by moonport nor by any loaded module (a typo, or an option of a module that is not loaded)",
		cfg + ":8: option 'admins' is read neither by moonport nor by any loaded module (a typo, or an option of a module that is not loaded)",
		cfg + ":13: option 'storge' is read neither by moonport nor by any loaded module (a typo, or an option of a module that is not loaded)",
	}, "\n")
	if got != want {
		t.Errorf("UnknownOptions:\n%s\nwant:\n%s", got, want)
	}
}
