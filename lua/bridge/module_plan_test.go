package bridge

import (
	"strings"
	"testing"
)

// refsString writes wanted's list as "host/name" words, an autoloaded
// one with a trailing "~".
func refsString(refs []moduleRef) string {
	var out []string
	for _, m := range refs {
		w := m.key()
		if m.autoload {
			w += "~"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

const autoloadOnX = "x/posix~ x/presence~ x/message~ x/iq~ x/offline~ x/c2s~ x/s2s~ x/s2s_auth_certs~"

// Prosody's modules per host: (autoload ∪ global enabled − global
// disabled), only the inheritable part on a Component, ∪ the host's
// enabled − the host's disabled; a Component's module first; the global
// set loads on "*" as far as some active host takes it.
func TestWantedFollowsProsodysModulesPerHost(t *testing.T) {
	for _, c := range []struct{ name, cfg, want string }{
		{"no hosts: the global set on *", `modules_enabled = { "echo" }`,
			"*/echo */posix~ */presence~ */message~ */iq~ */offline~ */c2s~ */s2s~ */s2s_auth_certs~"},
		{"autoload on a VirtualHost", `VirtualHost "x"`,
			"*/posix~ */presence~ */message~ */iq~ */offline~ */c2s~ */s2s~ */s2s_auth_certs~ " + autoloadOnX},
		{"global modules_disabled takes autoloaded and enabled ones away",
			"modules_enabled = { \"http\", \"c2s\" }\nmodules_disabled = { \"http\", \"s2s\", \"posix\", \"presence\", \"message\", \"iq\", \"offline\", \"s2s_auth_certs\" }\nVirtualHost \"x\"",
			"*/c2s x/c2s"},
		{"host modules_disabled: no host takes it, so it loads nowhere",
			"modules_disabled = { \"posix\", \"presence\", \"message\", \"iq\", \"offline\", \"s2s_auth_certs\" }\nVirtualHost \"x\"\nmodules_disabled = { \"c2s\" }",
			"*/s2s~ x/s2s~"},
		{"host modules_enabled, an autoloaded name named there is no longer autoload-only",
			"modules_disabled = { \"posix\", \"presence\", \"message\", \"iq\", \"offline\", \"s2s_auth_certs\", \"s2s\" }\nVirtualHost \"x\"\nmodules_enabled = { \"bosh\", \"c2s\" }",
			"*/c2s~ x/c2s x/bosh"},
		{"a Component: its module first, then only the inheritable global modules",
			"modules_enabled = { \"tls\", \"roster\" }\nmodules_disabled = { \"posix\", \"presence\", \"message\", \"offline\", \"s2s_auth_certs\" }\n" +
				"VirtualHost \"v\"\nmodules_disabled = { \"s2s\", \"c2s\", \"iq\" }\nComponent \"x\" \"muc\"\nmodules_enabled = { \"ping\" }",
			"*/tls */roster */iq~ */s2s~ v/tls v/roster x/muc x/tls x/iq~ x/s2s~ x/ping"},
		{"an external Component loads mod_component",
			"modules_disabled = { \"posix\", \"presence\", \"message\", \"iq\", \"offline\", \"s2s_auth_certs\", \"s2s\", \"c2s\" }\nVirtualHost \"v\"\nComponent \"x\"\ncomponent_secret = \"s\"",
			"x/component"},
		{"enabled = false hosts load nothing",
			"modules_disabled = { \"posix\", \"presence\", \"message\", \"iq\", \"offline\", \"s2s_auth_certs\", \"s2s\" }\nVirtualHost \"v\"\nVirtualHost \"off\"\nenabled = false\nmodules_enabled = { \"bosh\" }\nComponent \"x\" \"muc\"\nenabled = false",
			"*/c2s~ v/c2s~"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refs, err := wanted(evaluate(t, c.cfg))
			if err != nil {
				t.Fatal(err)
			}
			if got := refsString(refs); got != c.want {
				t.Errorf("wanted:\n got  %s\n want %s", got, c.want)
			}
		})
	}
}

// With host sections but no enabled VirtualHost, Prosody refuses to
// start; so does moonport, naming the first host's file and line.
func TestWantedNeedsAnActiveVirtualHost(t *testing.T) {
	for _, cfg := range []string{
		"modules_enabled = { \"c2s\" }\nVirtualHost \"x\"\nenabled = false",
		"Component \"rooms.x\" \"muc\"",
		"VirtualHost \"x\"\nenabled = false\nComponent \"rooms.x\" \"muc\"",
	} {
		_, err := wanted(evaluate(t, cfg))
		if err == nil || !strings.Contains(err.Error(), "At least one active host is required") || !strings.HasPrefix(err.Error(), "test.cfg.lua:") {
			t.Errorf("%q: %v", cfg, err)
		}
	}
	if _, err := wanted(evaluate(t, "VirtualHost \"x\"\nenabled = false\nVirtualHost \"y\"")); err != nil {
		t.Errorf("one enabled VirtualHost of two: %v", err)
	}
}

func TestStrictModulesMustBeABoolean(t *testing.T) {
	tr := newTestRuntime(t, `strict_modules = "yes"`, nil)
	if err := tr.LoadAll(); err == nil || !strings.Contains(err.Error(), `test.cfg.lua:1: strict_modules = "yes": expected true or false`) {
		t.Errorf("LoadAll: %v", err)
	}
}
