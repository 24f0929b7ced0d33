package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// serializationCases hold one key per table (pairs order differs between
// the two Luas) and numbers whose text is the same in Lua 5.1 and 5.4.
var serializationCases = []string{
	`return require "util.serialization".serialize({ 1, "two", true, { 3 } })`,
	`return require "util.serialization".serialize({ key = "va\"l\n\0\200ue" })`,
	`return require "util.serialization".serialize({ ["end"] = 1 }, "compact")`,
	`return require "util.serialization".serialize({ ok_1 = { nested = { 1, 2 } } }, "oneline")`,
	`return require "util.serialization".serialize({ ok = { n = 2.5 } }, "debug")`,
	`return require "util.serialization".serialize({ [{ 1 }] = false })`,
	`return require "util.serialization".serialize({})`,
	`return require "util.serialization".serialize("plain")`,
	`return require "util.serialization".serialize(1/0) .. require "util.serialization".serialize(-1/0) .. require "util.serialization".serialize(0.1)`,
	`return require "util.serialization".serialize({ a = "\1\2\3\4\5\6" }, { hex = "X", unquoted = true })`,
	`return require "util.serialization".serialize({ f = print }, "debug")`,
	`return tostring(select(2, pcall(require "util.serialization".serialize, { f = print }))):match("Can't serialize.*")`,
	`local t = {}; t.self = t; return tostring(select(2, pcall(require "util.serialization".serialize, t))):match("Can't serialize.*")`,
	`local t = {}; return require "util.serialization".serialize({ t, t }, { multiref = true })`,
	`return require "util.serialization".serialize({ 1 }, { maxdepth = 0, fatal = false })`,
	`return require "util.serialization".serialize({ x = setmetatable({}, { __name = "thing", __freeze = function() return { 1 } end }) }, "debug")`,
	`return require "util.serialization".serialize({ a = { b = 1 } }, { indentwith = "  ", itemsep = ",", tstart = "<", tend = ">", kstart = "(", kend = ")", equals = ":" })`,
	`return require "util.serialization".new("compact")({ x = { 1 } })`,
	`local d = require "util.serialization".deserialize('{ a = { 1, 2 }, ["b"] = "c" }'); return d.a[2] .. d.b`,
	`local d = require "util.serialization".deserialize('{ a = os }'); return type(d) .. tostring(d.a)`,
	`local d, err = require "util.serialization".deserialize("{ x = "); return tostring(d) .. " " .. type(err)`,
}

// The serializer writes what Prosody's own does.
func TestSerializationAsProsodys(t *testing.T) {
	expectCases(t, serializationCases, testenv.ProsodyLuaCases(t, serializationCases...))
}
