package census

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/compat"
)

// These tests check the census's own reading of sources, reports and
// answers, without running a host.

func TestRoutingRules(t *testing.T) {
	for src, want := range map[string]string{
		`module:hook("iq-set/host/urn:x", h)`:                               `hooks a stanza event ("iq-set/host/urn:x")`,
		`module:hook_global("pre-message/full", f)`:                         `hooks a stanza event ("pre-message/full")`,
		`host.events.add_handler('resource-bind', f)`:                       `hooks a stanza event ("resource-bind")`,
		`module:hook("s2s-stream-features", f)`:                             `hooks a stanza event ("s2s-stream-features")`,
		`module:send(st.message())`:                                         routingRules[1].Why,
		`module:add_feature("urn:xmpp:ping")`:                               routingRules[3].Why,
		`module:provides("auth", provider)`:                                 routingRules[4].Why,
		`local sasl = require "util.sasl";`:                                 routingRules[7].Why,
		`local muc = hosts[host].modules.muc`:                               routingRules[8].Why,
		`for room in muc.each_room() do end`:                                routingRules[8].Why,
		`module:hook("http-provider", f) module:hook("config-reloaded", g)`: "",
		`module:provides("http", { route = {} })`:                           "",
		`module:hook("item-added/http-provider", f)`:                        "",
	} {
		yes, why := routingOf(src)
		if want == "" && yes || want != "" && why != want {
			t.Errorf("%s: got %v %q, want %q", src, yes, why, want)
		}
	}
}

func TestModulesOf(t *testing.T) {
	list := "/.\n/usr/lib/prosody/modules\n/usr/lib/prosody/modules/mod_http.lua\n" +
		"/usr/lib/prosody/modules/muc/muc.lib.lua\n/usr/lib/prosody/modules/mod_mam/mod_mam.lua\n" +
		"/usr/lib/prosody/modules/mod_x/x/mod_x.lua\n/usr/share/doc/mod_y.lua\n"
	var got []string
	for _, m := range modulesOf("prosody", list) {
		got = append(got, m.Name+"="+m.File)
	}
	want := "http=/usr/lib/prosody/modules/mod_http.lua mam=/usr/lib/prosody/modules/mod_mam/mod_mam.lua x=/usr/lib/prosody/modules/mod_x/x/mod_x.lua"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestMoonportReport(t *testing.T) {
	report := "error: loading module 'http_files' on host *: …\ninfo: skipped XMPP modules, as moonport is not an XMPP server: roster, posix\n"
	for name, want := range map[string]bool{"http_files": false, "roster": false, "posix": false, "http": true, "ros": true} {
		if got := moonportLoaded(report, name); got != want {
			t.Errorf("%s: loaded %v, want %v", name, got, want)
		}
	}
	log := `time="x" level=error msg="error in module body: /usr/lib/prosody/modules/mod_iq.lua:10: module util.stanza not found:\n\tno field" host="*" module=iq` + "\n"
	if got := moonportFailure(log+report, "iq"); got != "mod_iq.lua:10: module util.stanza not found" {
		t.Errorf("first failure %q", got)
	}
	if got := failureKey("mod_a.lua:3: module:depends(\"http\"): mod_http.lua:14: module core.portmanager not found"); got != `require "core.portmanager"` {
		t.Errorf("key %q", got)
	}
	if got := failureKey("mod_a.lua:1: module:depends(\"adhoc\"): module 'adhoc' not found (host *): looked"); got != "no file for module adhoc where moonport looks" {
		t.Errorf("key %q", got)
	}
	if got := failureKey("mod_a.lua:3: attempt to divide"); got != "attempt to divide" {
		t.Errorf("key %q", got)
	}
	out := "x\tinfo\tx\ngeneral  error\tError initializing module 'cron' on 'localhost': boom\n"
	if got := prosodyFailure(out, "cron"); got != "Error initializing module 'cron' on 'localhost': boom" {
		t.Errorf("prosody failure %q", got)
	}
	if prosodyFailure(out, "cro") != "" {
		t.Error("a prefix of the name matched")
	}
}

func TestCompareAnswers(t *testing.T) {
	p := "http /a -> 200 text/plain 3 sha256:x\ntcp ::1 5000 -> (nothing)\n"
	if got := compareAnswers(p, p); got != "same" {
		t.Errorf("got %q", got)
	}
	m := "http /a -> 404 text/plain 3 sha256:y\n"
	if got := compareAnswers(p, m); got != "differs: http /a: Prosody 200 text/plain 3 sha256:x, moonport 404 text/plain 3 sha256:y" {
		t.Errorf("got %q", got)
	}
	if got := compareAnswers(p, "http /a -> 200 text/plain 3 sha256:x\n"); !strings.HasPrefix(got, "differs: tcp ::1 5000") {
		t.Errorf("got %q", got)
	}
}

func TestBaseline(t *testing.T) {
	b := baseline([]result{{Module: module{Name: "a"}, MoonportLoads: true, Answer: "same"}, {Module: module{Name: "b"}}})
	if !strings.Contains(b, "\nloads a\nanswers a\n") || strings.Contains(b, " b\n") {
		t.Errorf("baseline:\n%s", b)
	}
	if _, err := readBaseline(baselineFile); err != nil {
		t.Errorf("the committed baseline: %v", err)
	}
	bad := t.TempDir() + "/baseline.txt"
	if err := os.WriteFile(bad, []byte("# c\nloads a\nloaded b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readBaseline(bad); err == nil || !strings.Contains(err.Error(), ":3:") {
		t.Errorf("a bad line: %v", err)
	}
}

// TestCheckBothWays runs check config on a few modules in namespaces and
// directly (as without root): both must say the same.
func TestCheckBothWays(t *testing.T) {
	compat.NeedNamespaces(t)
	mods := needModules(t)
	c := newCensus(t)
	compared := 0
	for _, m := range mods {
		if m.Name != "windows" && m.Name != "http_files" && m.Name != "roster" {
			continue
		}
		compared++
		cfg, err := writeConfig(filepath.Join(c.work, m.Name), m)
		if err != nil {
			t.Fatal(err)
		}
		var got [2]string
		for i, isolated := range []bool{true, false} {
			c.isolated = isolated
			loads, failure, err := c.moonportCheck(cfg, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = fmt.Sprint(loads, " ", failure)
		}
		if got[0] != got[1] {
			t.Errorf("%s: in namespaces %q, directly %q", m.Name, got[0], got[1])
		}
	}
	if compared != 3 {
		t.Errorf("compared %d modules, want windows, http_files and roster", compared)
	}
}

func TestExplain(t *testing.T) {
	f := filepath.Join(t.TempDir(), "mod_x.lua")
	src := "local a = module:log_status(\"x\")\nlocal t = prosody.start_time\nlocal y = util_thing.make { }\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]string{
		f + ":1: attempt to call a non-function object":                          "module:log_status is nil (called)",
		f + ":2: attempt to index a non-table object(nil) with key 'start_time'": "prosody is nil (indexed with start_time)",
		"mod_y.lua:9: x: " + f + ":3: attempt to call a non-function object":     "util_thing.make is nil (called)",
		f + ":7: attempt to call a non-function object":                          "",
		f + ":1: module util.stanza not found":                                   "",
	} {
		if got := explain(msg); got != want {
			t.Errorf("%s: got %q, want %q", msg, got, want)
		}
	}
}
