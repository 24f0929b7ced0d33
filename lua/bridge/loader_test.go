package bridge

import (
	"strings"
	"testing"
)

// Stubs of Prosody's mod_http and mod_bosh: http is global; bosh is
// global and, per host, depends on http and notes the host it was added
// for and what that host's module object says.
var sharedStubs = map[string]string{
	"http": `module:set_global()
module:provides("net", { name = "http", listener = {}, default_port = 5280 })`,
	"bosh": `module:set_global()
added = {}
function module.add_host(module)
	assert(module.global == false, "a host's module object is not global")
	table.insert(added, module.host .. "=" .. module:get_host() .. ":" .. module:get_host_type() .. ":" .. tostring(module:get_option("greeting")))
	module:depends("http")
end
function list() return table.concat(added, ",") end
function global() return tostring(module.global) end`,
	"page": `module:depends("http")`,
}

// The autoloaded names are left out of these tests' configs.
const noAutoload = `modules_disabled = { "posix", "presence", "message", "iq", "offline", "c2s", "s2s", "s2s_auth_certs" }
`

// A module:set_global() module is one instance whichever host or
// module:depends reaches it first; each host that wants it is added with
// module.add_host, whose module object is that host's.
func TestGlobalModuleIsOneInstanceAddedToEachHost(t *testing.T) {
	tr := newTestRuntime(t, noAutoload+`greeting = "hi"
VirtualHost "a.example"
	modules_enabled = { "bosh" }
	greeting = "from a"
VirtualHost "b.example"
	modules_enabled = { "http", "bosh" }
Component "c.example" "page"
`, sharedStubs)
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, inst := range tr.Primaries() {
		names = append(names, inst.Host+"/"+inst.Name)
	}
	if got := strings.Join(names, " "); got != "*/bosh */http c.example/page" {
		t.Errorf("instances: %s", got)
	}
	bosh := tr.Primaries()[0]
	if got, _ := callGlobal(bosh, "list"); got != "a.example=a.example:local:from a,b.example=b.example:local:hi" {
		t.Errorf("add_host saw %q", got)
	}
	if got, _ := callGlobal(bosh, "global"); got != "true" {
		t.Errorf("module.global of a set_global module: %q", got)
	}
	if n := len(tr.Services()); n != 1 {
		t.Errorf("%d services, want http once", n)
	}
	// A reload that keeps bosh adds only the new host.
	st, err := tr.Stage(evaluate(t, noAutoload+"VirtualHost \"a.example\"\nmodules_enabled = { \"bosh\" }\nVirtualHost \"d.example\"\nmodules_enabled = { \"bosh\" }"), sourcesOf(sharedStubs))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if got, _ := callGlobal(bosh, "list"); !strings.Contains(got, ",b.example=b.example:local:hi,d.example=d.example:local:") || strings.Count(got, "=") != 3 {
		t.Errorf("after the reload add_host saw %q", got)
	}
}

// Prosody refuses module:depends on a module in modules_disabled.
func TestDependsOnADisabledModuleFails(t *testing.T) {
	tr := newTestRuntime(t, "modules_disabled = { \"http\" }\nmodules_enabled = { \"page\" }\nstrict_modules = true\n", sharedStubs)
	if err := tr.LoadAll(); err == nil || !strings.Contains(err.Error(), "Dependency on disabled module mod_http") {
		t.Errorf("LoadAll: %v", err)
	}
}

var failingModules = map[string]string{
	"broken":    `error("broken on purpose")`,
	"stanzas":   `local xs = require "util.xmppstream"`,
	"stanzalog": `local lom = require "lxp.lom"`, // as mod_muc_log_http reads logged stanzas
	"onroster":  `module:depends("roster")`,      // an XMPP module's dependant
	"features": `module:add_feature("urn:xmpp:ping")
module:hook_tag("jabber:client", "message", function() end)`,
	"echo": `module:provides("net", { name = "echo", listener = {}, default_port = 7 })`,
}

const failingConfig = `modules_enabled = { "roster", "nope", "echo" }
VirtualHost "x.example"
	modules_enabled = { "broken", "stanzas", "features", "s2s", "stanzalog", "onroster" }
`

// Without strict_modules, what cannot be found or fails to load is logged
// and left out: an error naming module and host, except for autoloaded
// names (a debug line) and XMPP modules (by name, or by what they asked
// for), which the report lists apart; the rest loads.
func TestModulesThatDoNotLoadAreLeftOut(t *testing.T) {
	tr := newTestRuntime(t, failingConfig, failingModules)
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	rep := tr.LoadReport()
	var failed []string
	for _, f := range rep.Failed {
		failed = append(failed, f.Module+"@"+f.Host)
	}
	if got := strings.Join(failed, " "); got != "nope@* broken@x.example" {
		t.Errorf("failed: %s", got)
	}
	// s2s is autoloaded (a debug line on "*") but named on x.example.
	if got := strings.Join(rep.SkippedXMPP, " "); got != "roster s2s stanzas features stanzalog onroster" {
		t.Errorf("skipped XMPP: %s", got)
	}
	if len(tr.Primaries()) != 1 || tr.Service("echo") == nil {
		t.Errorf("echo should serve: %v", tr.Primaries())
	}
	tr.log.wait(t, "level=error", "module 'nope' not found (host *)", "carrying on without it")
	tr.log.wait(t, "level=error", "loading module 'broken' on host x.example", "broken on purpose")
	tr.log.wait(t, "level=debug", "autoloaded module 'presence' is not on the plugin paths")
	tr.log.wait(t, "level=debug", "skipped XMPP module 'stanzas'", "it needs util.xmppstream")
	tr.log.wait(t, "level=debug", "skipped XMPP module 'features'", "it needs module:hook_tag()")
	tr.log.wait(t, "level=debug", "skipped XMPP module 'stanzalog'", "it needs lxp.lom")
	tr.log.wait(t, "level=debug", "skipped XMPP module 'onroster'", "it needs mod_roster")
	if l := tr.log.lines("level=error", "presence"); len(l) > 0 {
		t.Errorf("an autoloaded name logged an error: %s", l)
	}
	// A skipped XMPP module's failure is that debug line alone, and a
	// broken module's error is said once, by the loader.
	for _, name := range []string{"xmppstream", "hook_tag"} {
		if l := tr.log.lines("level=error", name); len(l) > 0 {
			t.Errorf("a skipped XMPP module logged an error: %s", l)
		}
	}
	if l := tr.log.lines("level=error", "broken on purpose"); len(l) != 1 {
		t.Errorf("a broken module's error is logged %d times, want once: %s", len(l), l)
	}
	if l := tr.log.lines("autoloaded module 'presence'"); len(l) != 1 {
		t.Errorf("an autoloaded name missing on every host is said %d times, want once: %s", len(l), l)
	}
}

// strict_modules = true keeps the old behaviour: every module named in the
// config that does not load is an error, and LoadAll fails with them all.
func TestStrictModulesMakesFailuresFatal(t *testing.T) {
	tr := newTestRuntime(t, "strict_modules = true\n"+failingConfig, failingModules)
	err := tr.LoadAll()
	if err == nil {
		t.Fatal("LoadAll succeeded")
	}
	for _, want := range []string{"module 'roster' not found", "module 'nope' not found", "broken on purpose", "util.xmppstream"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "presence") {
		t.Errorf("an autoloaded name is an error with strict_modules: %v", err)
	}
}

// OptionsRead lists what modules read with the get_option family.
func TestOptionsReadAreNoted(t *testing.T) {
	tr := newTestRuntime(t, "modules_enabled = { \"reader\" }\n", map[string]string{
		"reader": `module:get_option_string("reader_greeting", "hi"); module:get_option_set("reader_list")`,
	})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	read := tr.OptionsRead()
	if !read["reader_greeting"] || !read["reader_list"] || read["reader_other"] {
		t.Errorf("OptionsRead: %v", read)
	}
}
