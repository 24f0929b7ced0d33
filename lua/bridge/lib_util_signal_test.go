package bridge

import (
	"strings"
	"testing"
)

// A handler is accepted and not called, which the log says once per
// signal; an unknown name fails as in Prosody; raise and kill are refused.
func TestSignalAcceptsHandlersMoonportRuns(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"s": `local signal = require "util.signal"
function check()
	local a = signal.signal("SIGHUP", function() error("called") end)
	local b = signal.signal(signal.SIGHUP, function() end)
	local c = signal.signal("SIGUSR1", function() end)
	local ok, err = pcall(signal.signal, "NOPE", function() end)
	local rok, rerr = pcall(signal.raise, "SIGTERM")
	return table.concat({ tostring(a), tostring(b), tostring(c), tostring(signal.SIGTERM), tostring(ok), err, tostring(rok), rerr }, " | ")
end`})
	inst := tr.load(t, "s")
	got, err := callGlobal(inst, "check")
	if err != nil {
		t.Fatal(err)
	}
	want := "true | true | true | 15 | false | mods/mod_s.lua:6: invalid signal string | false | mods/mod_s.lua:7: util.signal.raise is not available in moonport"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got  %q\nwant %q…", got, want)
	}
	if n := len(tr.log.lines("moonport handles SIGHUP itself")); n != 1 {
		t.Errorf("told about SIGHUP %d times", n)
	}
	if n := len(tr.log.lines("moonport handles SIGUSR1 itself")); n != 1 {
		t.Errorf("told about SIGUSR1 %d times", n)
	}
}
