package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// throttleClock is Lua that gives util.throttle a clock the case moves
// (tick(s)): through package.loaded for Prosody's, which reads util.time
// when loaded, and by replacing util.time's now for moonport's, which
// looks it up at each call.
const throttleClock = `local clock = 1000
local fake = { now = function() return clock end }
package.loaded["util.time"] = fake
require "util.time".now = fake.now
local function tick(s) clock = clock + s end
local throttle = require "util.throttle"
local function show(...)
	local t = {}
	for i = 1, select("#", ...) do
		local v = select(i, ...)
		t[i] = type(v) == "number" and ("%.6g"):format(v) or tostring(v)
	end
	return table.concat(t, " ")
end
`

var throttleCases = []string{
	throttleClock + `local t = throttle.create(10, 2)
	local r = { show(t.max, t.rate, t.balance, t.t) }
	r[#r + 1] = show(t:poll(4)) .. ";" .. show(t:poll(4)) .. ";" .. show(t:poll(4)) .. ";" .. show(t.balance)
	tick(0.25)
	r[#r + 1] = show(t:peek(3)) .. ";" .. show(t.balance) .. ";" .. show(t:peek(4)) .. ";" .. show(t:peek())
	r[#r + 1] = show(t:poll(5, true)) .. ";" .. show(t.balance)
	tick(100)
	r[#r + 1] = show(t:update()) .. ";" .. show(t:poll(1)) .. ";" .. show(t:poll(10)) .. ";" .. show(t:poll(9))
	tick(1)
	r[#r + 1] = show(t:poll(5)) .. ";" .. show(t.t)
	return table.concat(r, "\n")`,
}

// util.throttle against Prosody's own, on the same clock.
func TestUtilThrottleProsody(t *testing.T) {
	expectCases(t, throttleCases, testenv.ProsodyLuaCases(t, throttleCases...))
}

func TestUtilThrottle(t *testing.T) {
	expectCases(t, []string{throttleClock + `local t = throttle.create(2, 1)
	local a, b = t:poll(1), t:poll(1)
	local ok, had, missing = t:poll(1)
	tick(0.5)
	return show(a, b, ok, had, missing, t:poll(1), t:poll(1))`}, []string{"true true false 0 1 true false 0 1"})
}
