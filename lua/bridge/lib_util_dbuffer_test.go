package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// dbufferShow is Lua that defines show(...): the values as text.
const dbufferShow = `local dbuffer = require "util.dbuffer"
local function show(...)
	local t = {}
	for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
	return "(" .. table.concat(t, ",") .. ")"
end
`

var dbufferCases = []string{
	dbufferShow + `local b = dbuffer.new()
	local r = {}
	r[#r + 1] = show(b:write("hello ")) .. show(b:write("wor")) .. show(b:write("ld\n")) .. show(b:write("")) .. show(b:write("next line\nrest"))
	r[#r + 1] = show(b:length(), b:len())
	r[#r + 1] = show(b:read_chunk(2)) .. show(b:read_chunk()) .. show(b:read(2)) .. show(b:length())
	r[#r + 1] = show(b:read_until("\n")) .. show(b:read_until("\n")) .. show(b:read_until("zz")) .. show(b:length())
	r[#r + 1] = show(b:read(100)) .. show(b:read(4)) .. show(b:read()) .. show(b:read(0)) .. show(b:read_chunk())
	return table.concat(r, "\n")`,
	dbufferShow + `local b = dbuffer.new()
	for _, s in ipairs({ "abc", "defg", "h", "ijklmno" }) do b:write(s) end
	local r = {}
	r[#r + 1] = show(b:sub(1)) .. show(b:sub(2, 5)) .. show(b:sub(-3)) .. show(b:sub(-3, -2)) .. show(b:sub(5, 2)) .. show(b:sub(0, 100))
	r[#r + 1] = show(b:byte()) .. show(b:byte(3, 5)) .. show(b:byte(-1)) .. show(b:byte(20))
	r[#r + 1] = show(b:discard(2)) .. show(b:sub(1, 3)) .. show(b:read_chunk(1)) .. show(b:discard(100)) .. show(b:discard(5)) .. show(b:read())
	b:write("x"); b:write("yz")
	b:collapse()
	r[#r + 1] = show(b:read_chunk()) .. show(b:length())
	local e = dbuffer.new()
	r[#r + 1] = show(e:sub(1)) .. show(e:byte()) .. show(e:read(1)) .. show(e:read(0)) .. show(e:read()) .. show(e:discard(0)) .. show(e:read_until("x"))
	return table.concat(r, "\n")`,
	dbufferShow + `local r = {}
	r[#r + 1] = show(dbuffer.new(0)) .. show(dbuffer.new(-5))
	local b = dbuffer.new(10, 2)
	r[#r + 1] = show(b:write("12345")) .. show(b:write("678")) .. show(b:write("9")) .. show(b:length()) .. show(b:write("ab")) .. show(b:length())
	r[#r + 1] = show(b:read_chunk()) .. show(b:read_chunk())
	local one = dbuffer.new(nil, 1)
	r[#r + 1] = show(one:write("a")) .. show(one:write("b")) .. show(one:read())
	local c = dbuffer.new(100, 3)
	for i = 1, 6 do c:write(tostring(i)) end
	r[#r + 1] = show(c:read_chunk()) .. show(c:read_chunk()) .. show(c:read_chunk()) .. show(c:length())
	return table.concat(r, "\n")`,
}

// util.dbuffer against Prosody's own: the same chunks, reads and refusals.
func TestUtilDbufferProsody(t *testing.T) {
	cases := append(dbufferCases, dbufferKnown[0])
	expectCases(t, cases, testenv.ProsodyLuaCases(t, cases...))
}

// read_until reads up to the first character of its separator, as
// Prosody's does (it is meant for one character).
func TestUtilDbuffer(t *testing.T) {
	expectCases(t, dbufferKnown, []string{"(nil,12,GET / HTTP\r,1)"})
}

var dbufferKnown = []string{dbufferShow + `local b = dbuffer.new(16)
	b:write("GET / "); b:write("HTTP\r\n")
	local w = b:write("too long!")
	return show(w, #b, b:read_until("\r\n"), b:length())`}
