package bridge

import (
	"strings"
	"testing"
	"time"
)

const contextModule = `
heard = {}
module:hook("module-status/updated", function(e) heard[#heard + 1] = e.name end)
function status()
	local before = select("#", module:get_status())
	module:log_status("warn", "port %d in use", 5280)
	local t1, m1, at = module:get_status()
	module:set_status("info", "fine now")
	local t2, m2 = module:get_status()
	module:set_status("error", "broken")
	module:set_status("warn", "ignored")
	local t3, m3 = module:get_status()
	module:set_status("info", "forced", true)
	local t4 = module:get_status()
	return table.concat({ before, t1, m1, type(at), t2, m2, t3, m3, t4, #heard, heard[1] }, "|")
end
function context()
	local c = module:context("b.example")
	c.note = "written through"
	return table.concat({ c:get_host(), c:get_option("colour"), module:get_option("colour"),
		module:context():get_host(), tostring(module:context().global), module.note, c:get_host_type() }, "|")
end
function options()
	local s = module:get_option_inherited_set("names")
	local out = {}
	for _, n in ipairs({ "global", "own", "other" }) do out[#out + 1] = tostring(s:contains(n)) end
	return table.concat(out, "|") .. "|" .. module:get_option_path("file") .. "|" ..
		module:get_option_path("file", nil, "config") .. "|" .. module:get_option_path("abs") .. "|" ..
		tostring(module:get_option_path("none")) .. "|" .. module:get_option_path("none", "d.txt", "/srv")
end
function env() return tostring(module.environment == _G) .. " " .. tostring(module.environment.heard == heard) end
`

const contextConfig = `names = { "global" }
colour = "grey"
abs = "/etc/x.pem"
VirtualHost "a.example"
	names = { "own" }
	file = "./certs/a.pem"
VirtualHost "b.example"
	colour = "blue"
`

// set_status keeps the most urgent status as Prosody does and tells the
// module's hooks; context reads options for another host and writes
// through to the module; get_option_inherited_set joins host and global;
// get_option_path resolves as Prosody's.
func TestModuleContextStatusAndPaths(t *testing.T) {
	tr := newTestRuntime(t, contextConfig, map[string]string{"ctx": contextModule})
	inst, err := tr.Load("ctx", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "status"); got != "0|warn|port 5280 in use|number|info|fine now|error|broken|info|4|ctx" || err != nil {
		t.Errorf("status: %q %v", got, err)
	}
	if typ, msg, at := inst.Status(); typ != "info" || msg != "forced" || time.Since(at) > time.Minute {
		t.Errorf("Status() = %s %s %v", typ, msg, at)
	}
	tr.log.wait(t, "level=warn", "port 5280 in use")
	if got, err := callGlobal(inst, "context"); got != "b.example|blue|grey|*|true|written through|local" || err != nil {
		t.Errorf("context: %q %v", got, err)
	}
	got, err := callGlobal(inst, "options")
	config := strings.TrimSuffix(tr.paths()["config"], "/")
	want := "true|true|false|mods/certs/a.pem|" + config + "/certs/a.pem|/etc/x.pem|nil|/srv/d.txt"
	if got != want || err != nil {
		t.Errorf("options:\n got %q %v\nwant %q", got, err, want)
	}
	if got, _ := callGlobal(inst, "env"); got != "true true" {
		t.Errorf("environment: %q", got)
	}
}
