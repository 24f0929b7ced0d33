package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var unitsCases = []string{
	`local units = require "util.human.units"
	local r = {}
	for _, n in ipairs({ 0, 1, 999, 1000, 1001, 1500, 999999, 1e6, 123456789, 1e9, 5e12, 1e30, -2500, 0.5, 0.001, 0.0015, 2.5e-7, 1e-30, 1024, 1536, 1048576, 3 * 2^40 }) do
		r[#r + 1] = units.format(n, "B") .. "|" .. units.format(n, "B", "b")
		local m, p = units.adjust(n)
		local mb, pb = units.adjust(n, "b")
		r[#r + 1] = ("%.6g %s %.6g %s"):format(m, tostring(p), mb, tostring(pb))
	end
	r[#r + 1] = units.format(1500, "")
	return table.concat(r, "\n")`,
}

// util.human.units against Prosody's own.
func TestUtilHumanUnitsProsody(t *testing.T) {
	expectCases(t, unitsCases, testenv.ProsodyLuaCases(t, unitsCases...))
}

func TestUtilHumanUnits(t *testing.T) {
	expectCases(t, []string{
		`local u = require "util.human.units"; return u.format(1500, "B") .. ", " .. u.format(1536, "B", "b") .. ", " .. u.format(0, "s") .. ", " .. u.format(0.002, "s")`,
	}, []string{"1.5 kB, 1.5 KiB, 0 s, 2 ms"})
}
