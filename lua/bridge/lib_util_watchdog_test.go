package bridge

import (
	"testing"
	"time"
)

// A watchdog fires once its timeout passes without a reset, not while it
// is being reset, never after cancel, and again when its callback returns
// a number.
func TestUtilWatchdog(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"dog": `
local watchdog = require "util.watchdog"
fired = {}
local kept
function start()
	watchdog.new(0.05, function(dog) fired[#fired + 1] = "quick:" .. tostring(dog.timeout) end)
	kept = watchdog.new(1, function() fired[#fired + 1] = "kept" end)
	local gone = watchdog.new(0.05, function() fired[#fired + 1] = "cancelled" end)
	gone:cancel()
	local n = 0
	watchdog.new(0.05, function() n = n + 1; fired[#fired + 1] = "again" .. n; if n < 2 then return 0.01 end end)
end
function pet() kept:reset() end
function show() table.sort(fired); return table.concat(fired, " ") end
`}).load(t, "dog")
	if _, err := callGlobal(inst, "start"); err != nil {
		t.Fatal(err)
	}
	eventually(t, inst, "show", "again1 again2 quick:0.05")
	// Resetting the kept one well within its timeout keeps it quiet for
	// longer than the timeout (what is tested is time passing, so it sleeps).
	for i := 0; i < 30; i++ {
		if _, err := callGlobal(inst, "pet"); err != nil {
			t.Fatal(err)
		}
		if got, _ := callGlobal(inst, "show"); got != "again1 again2 quick:0.05" {
			t.Fatalf("while reset: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	eventually(t, inst, "show", "again1 again2 kept quick:0.05")
}
