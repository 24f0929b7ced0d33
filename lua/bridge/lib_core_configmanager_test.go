package bridge

import (
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

const coreConfig = `
greeting = "global"
limit = 5
list = { "a", "b" }
VirtualHost "example.com"
	greeting = "host"
Component "muc.example.com" "muc"
	name = "Chatrooms"
VirtualHost "off.example.com"
	enabled = false
`

const configModule = `
local cm = require "core.configmanager"
local hm = require "core.hostmanager"
function get(host, key) return tostring(cm.get(host, key)) end
function raw(host, key) return tostring(cm.rawget(host, key)) end
function whole()
	local c = cm.getconfig()
	c["example.com"].greeting = "changed" -- a copy: changes nothing
	return c["*"].greeting .. " " .. c["example.com"].greeting .. " " .. c["example.com"].limit .. " " ..
		c["nowhere"].greeting .. " " .. c["example.com"].list[2] .. " " .. cm.get("example.com", "greeting")
end
function set() local ok, err = pcall(cm.set, "*", "greeting", "x"); return tostring(ok) .. " " .. tostring(err) end
function children(host)
	local out = {}
	for name, v in pairs(hm.get_children(host)) do out[#out+1] = name .. "=" .. tostring(v) end
	table.sort(out)
	return table.concat(out, " ")
end
function activate() local ok, err = pcall(hm.activate, "new.example.com"); return tostring(ok) .. " " .. tostring(err) end
`

func TestConfigmanagerAndHostmanager(t *testing.T) {
	tr := newTestRuntime(t, coreConfig, map[string]string{"cfg": configModule})
	inst := tr.load(t, "cfg")
	check := func(fn, want string, args ...any) {
		t.Helper()
		got, err := callGlobal(inst, fn, args...)
		if err != nil || got != want {
			t.Errorf("%s%v: %q, %v; want %q", fn, args, got, err, want)
		}
	}
	check("get", "host", "example.com", "greeting")
	check("get", "global", "muc.example.com", "greeting")
	check("get", "global", "nowhere", "greeting")
	check("get", "5", "example.com", "limit")
	check("raw", "nil", "muc.example.com", "greeting")
	check("raw", "host", "example.com", "greeting")
	check("raw", "global", "*", "greeting")
	check("whole", "global changed 5 global b host")
	check("children", "muc.example.com=Chatrooms", "example.com")
	check("children", "example.com=true", "com")
	check("children", "", "nowhere")
	for _, fn := range []string{"set", "activate"} {
		if got, _ := callGlobal(inst, fn); !strings.HasPrefix(got, "false ") || !strings.Contains(got, "in moonport") {
			t.Errorf("%s: %q", fn, got)
		}
	}
}

// resolve_relative_path is Prosody's util.paths' on the same inputs.
func TestConfigmanagerResolveLikeProsody(t *testing.T) {
	var cases []string
	for _, args := range []string{`"/etc/prosody", "certs"`, `"/etc/prosody/", "./certs/a.pem"`, `"/etc//", "/abs/x"`,
		`"/etc", ".//x"`, `"/etc", "../x"`, `"/etc", ""`, `"", "x"`, `"/etc", "./"`, `"/etc", nil`, `"/etc", ".hidden"`} {
		cases = append(cases, "return tostring(resolve("+args+"))")
	}
	var prosody []string
	for _, c := range cases {
		prosody = append(prosody, `local resolve = require "util.paths".resolve_relative_path; `+c)
	}
	want := testenv.ProsodyLuaCases(t, prosody...)
	inst := newTestRuntime(t, "", map[string]string{"cfg": configModule}).load(t, "cfg")
	for i, c := range cases {
		if err := runIn(inst, "function case() local resolve = require 'core.configmanager'.resolve_relative_path; "+c+" end"); err != nil {
			t.Fatal(err)
		}
		if got, err := callGlobal(inst, "case"); err != nil || got != want[i] {
			t.Errorf("%s: moonport %q (%v), Prosody %q", c, got, err, want[i])
		}
	}
}
