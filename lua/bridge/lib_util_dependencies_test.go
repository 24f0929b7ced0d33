package bridge

import "testing"

// softreq is the same as Prosody's; the checks of Prosody's own Lua
// libraries report everything present in moonport, where they are
// built in.
func TestUtilDependencies(t *testing.T) {
	softreq := `
local deps = require "util.dependencies"
print(type(deps.softreq("util.events")), deps.softreq("util.events") == require "util.events")
local lib, err = deps.softreq("no.such.library")
print(lib, err:find("no.such.library", 1, true) ~= nil and err:find("not found", 1, true) ~= nil)
`
	sameAsProsody(t, map[string]string{"softreq": softreq}, nil)
	tr := newTestRuntime(t, "", map[string]string{"deps": `
local deps = require "util.dependencies"
function check() return tostring(deps.check_dependencies()) .. " " .. select("#", deps.log_warnings()) end
function missing()
	deps.missingdep("lua-thing", { { "Debian", "apt install lua-thing" } }, "thing support will not be available")
	return "logged"
end
`})
	inst := tr.load(t, "deps")
	if got, err := callGlobal(inst, "check"); err != nil || got != "true 0" {
		t.Errorf("check_dependencies, log_warnings: %q %v", got, err)
	}
	if _, err := callGlobal(inst, "missing"); err != nil {
		t.Fatal(err)
	}
	tr.log.wait(t, "level=warn", "unable to find lua-thing", "Debian: apt install lua-thing", "thing support will not be available")
}
