package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var xpcallCases = []string{
	`local xpcall = require "util.xpcall".xpcall
	local function h(e) return "handled: " .. tostring(e) end
	local r = { table.concat({ tostring(xpcall(function(a, b, c) return a + b, c, select("#", a, b, c) end, h, 1, 2, nil)) }, "") }
	local ok, a, b, n = xpcall(function(a, b, c) return a + b, c, select("#", a, b, c) end, h, 1, 2, nil)
	r[#r + 1] = tostring(ok) .. a .. tostring(b) .. n
	r[#r + 1] = table.concat({ tostring(select(1, xpcall(error, h, "boom", 0))), select(2, xpcall(error, h, "boom", 0)) }, " ")
	r[#r + 1] = select("#", xpcall(function() end, h))
	r[#r + 1] = tostring(select(2, xpcall(function(t) return t.x.y end, function(e) return type(e) end, {})))
	return table.concat(r, " ")`,
}

// util.xpcall against Prosody's own.
func TestUtilXpcallProsody(t *testing.T) {
	expectCases(t, xpcallCases, testenv.ProsodyLuaCases(t, xpcallCases...))
}

func TestUtilXpcall(t *testing.T) {
	expectCases(t, xpcallCases, []string{"true true3nil3 false handled: boom 1 string"})
}
