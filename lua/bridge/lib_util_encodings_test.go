package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var encodingsDiffCases = []string{
	`local b = require "util.encodings".base64
	local out = {}
	for _, s in ipairs({ "", "a", "ab", "abc", "hello world", "\0\255\254", ("\1\2\3"):rep(50) }) do
		out[#out + 1] = b.encode(s)
		out[#out + 1] = tostring(b.decode(b.encode(s)) == s)
	end
	out[#out + 1] = b.encode(5)
	return table.concat(out, " ")`,
	`local b = require "util.encodings".base64
	local out = {}
	for _, s in ipairs({ "YQ==", "YQ=", "YQ", "YWI=", "Y=", "YQ==YQ==", "YW\0Jj", "YWJj\0YQ==", "", "=",
		"YQ==!", "!!!", "a GVs\nbG8=", "aGVsbG8", "aGVs\tbG8\r\n", "-_-_", "YWJjZA" }) do
		local n = select("#", b.decode(s))
		out[#out + 1] = n .. ":" .. ("%q"):format(tostring((b.decode(s))))
	end
	return table.concat(out, " ")`,
	`local u = require "util.encodings".utf8
	local out = {}
	for _, s in ipairs({ "", "héllo", "\255", "ab\255", "ab\0c", "\237\160\128", "\192\128", "\244\144\128\128",
		"\240\159\152\128", "\226\130", "\239\191\191" }) do
		out[#out + 1] = tostring(u.valid(s)) .. "/" .. tostring(u.length(s)) .. "/" .. select("#", u.length(s))
	end
	return table.concat(out, " ")`,
	`local sp = require "util.encodings".stringprep
	local out = {}
	for _, f in ipairs({ "nameprep", "nodeprep", "resourceprep", "saslprep" }) do
		for _, s in ipairs({ "", "Abc", "a b", "a\1b", "a\31b", "a\127b", "a@b", "a/b", "a&b", "a\"b", "a'b", "a:b", "a<b",
			"a>b", "A.B-c_d~!#$%^*()[]{}|=+,;?", ("X"):rep(1023), ("x"):rep(1024), "a\0b", "\255" }) do
			local r = sp[f](s)
			out[#out + 1] = r == nil and "nil" or #r > 40 and r:sub(1, 3) .. #r or "<" .. r:gsub("%c", function(c) return "\\" .. c:byte() end) .. ">"
		end
		out[#out + 1] = tostring(sp[f](12)) .. tostring(sp[f]("Ab", true)) .. tostring(pcall(sp[f]))
	end
	return table.concat(out, " ")`,
}

// util.encodings' base64 and utf8 against Prosody's own.
func TestUtilEncodingsProsody(t *testing.T) {
	expectCases(t, encodingsDiffCases, testenv.ProsodyLuaCases(t, encodingsDiffCases...))
}

func TestUtilEncodings(t *testing.T) {
	expectCases(t, []string{
		`local e = require "util.encodings" return e.base64.encode("hello") .. e.base64.decode("aGVs bG8=aGk=")`,
		`local e = require "util.encodings" return select("#", e.base64.decode("a!")) .. tostring(e.utf8.length("héllo"))`,
		`local e = require "util.encodings" return tostring(e.utf8.valid("\237\160\128")) .. type(e.idna.to_ascii) .. e.confusable.skeleton("\208\176")`,
	}, []string{"aGVsbG8=hellohi", "06", "falsefunctiona"})
}
