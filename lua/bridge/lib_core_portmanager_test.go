package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// portmanagerModules: "echo" provides a multiplexable service, "reader"
// (loaded after it) reads core.portmanager.
var portmanagerModules = map[string]string{
	"echo": `
local listener = { default_mode = "*l" }
function listener.onincoming(conn, data) conn:write(data) end
module:provides("net", { name = "echo", default_port = 7007, encryption = "starttls",
	listener = listener, multiplex = { pattern = "^ECHO" } })`,
	"reader": `
module:set_global()
local pm = require "core.portmanager"
function registered()
	local out = {}
	for name, list in pairs(pm.get_registered_services()) do
		local s = list[1]
		out[#out+1] = name .. "=" .. #list .. "," .. tostring(s.default_port) .. "," .. tostring(s.encryption) .. "," ..
			tostring(s.multiplex and s.multiplex.pattern) .. "," .. type(s.listener.onincoming) .. "," .. tostring(s.listener.default_mode)
	end
	table.sort(out)
	return table.concat(out, ";")
end
function same() return tostring(pm.get_service("echo") == pm.get_registered_services().echo[1]) end
function missing() return tostring(pm.get_service("nope")) end
function port() return tostring(next(pm.get_active_services():search("echo", nil)[1] or {})) end
function at(iface, port)
	local s, err = pm.get_service_at(iface, port)
	return s and s.name or err
end
function http_like()
	local services = pm.get_active_services()
	local out = {}
	for iface, ports in pairs(services:get("echo") or {}) do
		for p, list in pairs(ports) do out[#out+1] = iface .. " " .. p .. " " .. list[1].service.name end
	end
	table.sort(out)
	return table.concat(out, ";")
end
function refused() local ok, err = pm.register_service("x", {}); return tostring(ok) .. " " .. err end`,
}

func TestPortmanagerServices(t *testing.T) {
	tr := newTestRuntime(t, `modules_enabled = {}`, portmanagerModules)
	tr.load(t, "echo")
	r := tr.load(t, "reader")
	check := func(fn, want string, args ...any) {
		t.Helper()
		got, err := callGlobal(r, fn, args...)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", fn, got, err, want)
		}
	}
	check("registered", "echo=1,7007,starttls,^ECHO,function,*l")
	check("same", "true")
	check("missing", "nil")
	check("port", "nil") // nothing listens yet
	tr.SetCoreViews(CoreViews{Bound: func() []Bound {
		return []Bound{{Service: "echo", Interface: "127.0.0.1", Port: 7007}, {Service: "echo", Interface: "::1", Port: 7008}}
	}})
	if got, _ := callGlobal(r, "port"); got != "7007" && got != "7008" {
		t.Errorf("port from search: %q", got)
	}
	check("at", "echo", "::1", 7008)
	check("at", "not-found", "::1", 7007)
	check("http_like", "127.0.0.1 7007 echo;::1 7008 echo")
	if got, _ := callGlobal(r, "refused"); !strings.HasPrefix(got, "nil core.portmanager.register_service is not available") {
		t.Errorf("register_service: %q", got)
	}
}

// activeServicesCases run the same searches on moonport's active services and
// on Prosody's util.multitable holding the same entries.
var activeServicesCases = []string{
	`return #mt:search("echo", nil)`,
	`return tostring(next(mt:search("echo", nil)[1] or {}))`,
	`return #mt:search(nil, "::1", 7008)`,
	`return mt:search(nil, "::1", 7008)[1][1].service.name`,
	`return #mt:search("other", nil)`,
	`return #mt:search("echo")`,
	`return #mt:search(nil, nil, nil)`,
	`return tostring(mt:get("echo", "::1", 7008)[1].service.name)`,
	`return tostring(mt:get("echo", "nowhere"))`,
	`return tostring(mt:get("nope", "x", 1))`,
}

func TestPortmanagerSearchLikeProsody(t *testing.T) {
	tr := newTestRuntime(t, `modules_enabled = {}`, portmanagerModules)
	tr.load(t, "echo")
	r := tr.load(t, "reader")
	tr.SetCoreViews(CoreViews{Bound: func() []Bound {
		return []Bound{{Service: "echo", Interface: "::1", Port: 7008}}
	}})
	var prosody []string
	for _, c := range activeServicesCases {
		prosody = append(prosody, `local mt = require "util.multitable".new()
mt:add("echo", "::1", 7008, { service = { name = "echo" } })
`+c)
	}
	want := testenv.ProsodyLuaCases(t, prosody...)
	for i, c := range activeServicesCases {
		src := "function case" + string(rune('a'+i)) + "() local mt = require 'core.portmanager'.get_active_services() " + c + " end"
		if err := runIn(r, src); err != nil {
			t.Fatal(err)
		}
		got, err := callGlobal(r, "case"+string(rune('a'+i)))
		if err != nil || got != want[i] {
			t.Errorf("%s: moonport %q (%v), Prosody %q", c, got, err, want[i])
		}
	}
}

// runIn runs Lua source in an instance's state.
func runIn(inst *Instance, src string) error {
	var err error
	inst.call(func() { err = inst.L.DoString(src) })
	return err
}

// A global module hears service-added when a module provides a service
// and service-removed, with the same service object, when it unloads.
func TestPortmanagerServiceEvents(t *testing.T) {
	tr := newTestRuntime(t, `modules_enabled = {}`, map[string]string{"echo": portmanagerModules["echo"], "watcher": `
module:set_global()
local seen, objects = {}, {}
module:hook("service-added", function(event)
	objects[event.name] = event.service
	seen[#seen+1] = "added " .. event.name .. " " .. tostring(event.service.multiplex and event.service.multiplex.pattern)
end)
module:hook("service-removed", function(event)
	seen[#seen+1] = "removed " .. event.name .. " same=" .. tostring(objects[event.name] == event.service)
end)
function events() return table.concat(seen, "; ") end`})
	w := tr.load(t, "watcher")
	echo := tr.load(t, "echo")
	wait := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		got := ""
		for time.Now().Before(deadline) {
			if got, _ = callGlobal(w, "events"); got == want {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("events %q, want %q", got, want)
	}
	wait("added echo ^ECHO")
	tr.stopInstance(echo)
	wait("added echo ^ECHO; removed echo same=true")
}

// Before the host has bound a service, core.portmanager answers with the
// bindings host/ports plans for it under the config; once applied, with
// the listeners really open.
func TestPortmanagerPlannedUntilBound(t *testing.T) {
	tr := newTestRuntime(t, `interfaces = { "127.0.0.1", "::1" }
echo_ports = { 7100 }`, portmanagerModules)
	tr.load(t, "echo")
	r := tr.load(t, "reader")
	applied := false
	tr.SetCoreViews(CoreViews{
		Bound:   func() []Bound { return []Bound{{Service: "other", Interface: "127.0.0.1", Port: 9}} },
		Applied: func(string) bool { return applied },
	})
	if got, err := callGlobal(r, "http_like"); err != nil || got != "127.0.0.1 7100 echo;::1 7100 echo" {
		t.Errorf("planned: %q, %v", got, err)
	}
	if got, err := callGlobal(r, "at", "::1", 7100); err != nil || got != "echo" {
		t.Errorf("get_service_at on the plan: %q, %v", got, err)
	}
	applied = true
	if got, err := callGlobal(r, "http_like"); err != nil || got != "" {
		t.Errorf("applied, nothing open: %q, %v", got, err)
	}
	tr.SetCoreViews(CoreViews{
		Bound:   func() []Bound { return []Bound{{Service: "echo", Interface: "127.0.0.1", Port: 7101}} },
		Applied: func(string) bool { return true },
	})
	if got, err := callGlobal(r, "http_like"); err != nil || got != "127.0.0.1 7101 echo" {
		t.Errorf("bound: %q, %v", got, err)
	}
}
