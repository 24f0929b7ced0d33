package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var hexCases = []string{
	`local hex = require "util.hex"
	local r = {}
	for _, s in ipairs({ "", "abc", "\0\255\16", ("x"):rep(40) }) do r[#r + 1] = hex.to(s) .. "|" .. hex.encode(s) end
	r[#r + 1] = hex.to(12)
	return table.concat(r, ",")`,
	`local hex = require "util.hex"
	local r = {}
	for _, s in ipairs({ "", "616263", "6A6b", "61 62:63", "abc", "a b", "  6162  ", "6g61", "xx61yy62", "616", "-61-" }) do
		r[#r + 1] = hex.to(hex.from(s)) .. "/" .. hex.to(hex.decode(s))
	end
	return table.concat(r, ",")`,
}

// util.hex against Prosody's own.
func TestUtilHexProsody(t *testing.T) {
	expectCases(t, hexCases, testenv.ProsodyLuaCases(t, hexCases...))
}

func TestUtilHex(t *testing.T) {
	expectCases(t, []string{
		`local hex = require "util.hex"; return hex.to("\1\171") .. " " .. hex.from("01AB") .. " " .. hex.from("61 62 x") .. hex.from("6")`,
	}, []string{"01ab \x01\xab ab6"})
}
