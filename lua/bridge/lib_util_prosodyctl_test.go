package bridge

import "testing"

// show_usage prints the usage under moonport's name, then the
// description; show_message formats as printf does.
func TestUtilProsodyctlUsage(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{"cmd": `
local ctl = require "util.prosodyctl"
function run()
	local out = {}
	print = function(s) out[#out + 1] = s end
	ctl.show_usage("mod_mimicking bootstrap <host>", "Initialize username mimicry database")
	ctl.show_usage("alone")
	ctl.show_message("%d usernames %s", 3, "indexed")
	return table.concat(out, "|")
end`})
	inst, err := tr.Load("cmd", "example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := "Usage: moonport mod_mimicking bootstrap <host>| Initialize username mimicry database|Usage: moonport alone|3 usernames indexed"
	if got, err := callGlobal(inst, "run"); got != want || err != nil {
		t.Errorf("printed %q %v, want %q", got, err, want)
	}
}
