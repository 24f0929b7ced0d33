package bridge

import (
	"strings"
	"testing"
)

const eventsModule = `
heard = "nothing"
module:hook("ping", function(data) heard = "low " .. tostring(data.n) end, 1)
local function high(data) heard = "high"; return "from high" end
module:hook("ping", high, 10)
module:hook("ping", function() return "from middle" end, 5)
function fire() return module:fire_event("ping", { n = 7 }) end
function drop() module:unhook("ping", high) end
function show() return heard end
`

// Handlers run by priority across the instances of a host and the first
// result ends the chain; unhook removes one; modules on other hosts hear
// nothing.
func TestModuleEvents(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{"a": eventsModule, "b": eventsModule, "c": eventsModule})
	a, b := tr.load(t, "a"), tr.load(t, "b")
	c, err := tr.Load("c", "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(a, "fire"); got != "from high" {
		t.Errorf("fire: %q", got)
	}
	if got, _ := callGlobal(b, "show"); got != "nothing" {
		t.Errorf("b's handler ran after a's ended the chain: %q", got)
	}
	callGlobal(a, "drop")
	if got, _ := callGlobal(a, "fire"); got != "from high" {
		t.Errorf("fire after a's unhook: %q (want b's high)", got)
	}
	if got, _ := callGlobal(b, "show"); got != "high" {
		t.Errorf("b heard %q", got)
	}
	callGlobal(b, "drop")
	if got, _ := callGlobal(a, "fire"); got != "from middle" {
		t.Errorf("fire after both unhooks: %q", got)
	}
	if got, _ := callGlobal(c, "show"); got != "nothing" {
		t.Errorf("a module on another host heard %q", got)
	}
}

// The module object's fields and getters, module:log's lenient format
// and module:depends.
func TestModuleObject(t *testing.T) {
	tr := newTestRuntime(t, `Component "rooms.example.com" "obj"`, map[string]string{"obj": `
function describe()
	return table.concat({ module.name, module:get_name(), module:get_host(), module:get_host_type(), module:get_directory(), module.path }, " ")
end
function go_global() module:set_global(); return module.host .. " " .. module:get_host_type() end
function log_it() module:log("info", "a %s and %s", "one") end
function depend() local d = module:depends("dep"); return d.module.name .. "@" .. d.module.host end
`, "dep": `dep_loaded = true`})
	comp, err := tr.Load("obj", "rooms.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(comp, "describe"); got != "obj obj rooms.example.com component mods mods/mod_obj.lua" {
		t.Errorf("describe: %q", got)
	}
	if got, _ := callGlobal(comp, "depend"); got != "dep@rooms.example.com" {
		t.Errorf("depends: %q", got)
	}
	if got, _ := callGlobal(comp, "go_global"); got != "* global" {
		t.Errorf("set_global: %q", got)
	}
	if _, err := callGlobal(comp, "log_it"); err != nil {
		t.Fatal(err)
	}
	if line := tr.log.wait(t, "a one and nil"); !strings.Contains(line, "module=obj") {
		t.Errorf("log line %q", line)
	}
}
