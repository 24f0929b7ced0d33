package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var humanIOCases = []string{
	`local hio = require "util.human.io"
	return table.concat({ "[" .. hio.padleft("ab", 5) .. "]", "[" .. hio.padright("ab", 5) .. "]", "[" .. hio.padleft("abcdef", 3) .. "]",
		"[" .. hio.padright("äö", 4) .. "]", hio.ellipsis("hello world", 5), hio.ellipsis("hello", 5), hio.ellipsis("hello", 1),
		hio.ellipsis("äöüßé", 3), hio.ellipsis("hi", 0) }, "|")`,
	`local hio = require "util.human.io"
	local row = hio.table({
		{ title = "Name", key = "name", width = "40%" },
		{ title = "Port", key = "port", width = 6, align = "right" },
		{ title = "State", key = "up", mapper = function(v, row) return v and "up (" .. row.name .. ")" or "down" end },
		{ title = "Note", key = "note", width = "60%", default = "-" },
	}, 60)
	local out = { row(), row({ name = "xmpp-client", port = 5222, up = true }),
		row({ name = "a very long service name indeed, longer than its column", port = 80, up = false, note = "ünïcödé text that is also rather long" }),
		row({ name = "x" }) }
	return table.concat(out, "\n")`,
}

// util.human.io against Prosody's own.
func TestUtilHumanIOProsody(t *testing.T) {
	expectCases(t, humanIOCases, testenv.ProsodyLuaCases(t, humanIOCases...))
}

func TestUtilHumanIO(t *testing.T) {
	expectCases(t, []string{`local hio = require "util.human.io"
	local row = hio.table({ { title = "A", key = "a", width = 4 }, { title = "B", key = "b", width = 3, align = "right" } }, 20)
	return row() .. "/" .. row({ a = "longer", b = 7 })`}, []string{"A    |   B/lon… |   7"})
}
