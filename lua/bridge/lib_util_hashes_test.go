package bridge

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// runInMoonport runs each case, the body of a Lua function returning a
// string, in a module of a real bridge state and returns the results (a
// failing case gives "error: " and its message).
func runInMoonport(t *testing.T, cases ...string) []string {
	t.Helper()
	var src strings.Builder
	for i, c := range cases {
		fmt.Fprintf(&src, "function case%d()\n%s\nend\n", i, c)
	}
	inst := newTestRuntime(t, "", map[string]string{"cases": src.String()}).load(t, "cases")
	out := make([]string, len(cases))
	for i := range cases {
		got, err := callGlobal(inst, fmt.Sprintf("case%d", i))
		if err != nil {
			got = "error: " + err.Error()
		}
		out[i] = got
	}
	return out
}

// expectCases runs cases in moonport and compares with want.
func expectCases(t *testing.T, cases, want []string) {
	t.Helper()
	got := runInMoonport(t, cases...)
	for i, c := range cases {
		if got[i] != want[i] {
			t.Errorf("case %s\n got  %q\n want %q", c, got[i], want[i])
		}
	}
}

// A body that prints every function of a hash family on the same inputs.
const hashCases = `
local h = require "util.hashes"
local out = {}
for _, name in ipairs({ "sha1", "sha224", "sha256", "sha384", "sha512", "md5" }) do
	for _, s in ipairs({ "", "abc", ("x"):rep(1000), "\0\255" }) do
		out[#out + 1] = name .. "=" .. h[name](s, true)
		out[#out + 1] = tostring(h[name](s) == h[name](s, false)) .. #h[name](s)
	end
end
for _, name in ipairs({ "hmac_sha1", "hmac_sha256", "hmac_sha512", "hmac_md5" }) do
	out[#out + 1] = name .. "=" .. h[name]("key", "message", true) .. " " .. #h[name](("k"):rep(200), "")
end
return table.concat(out, "\n")`

var hashesDiffCases = []string{
	hashCases,
	`local h = require "util.hashes"
	local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
	return hex(h.pbkdf2_hmac_sha1("pencil", "salt", 4096)) .. " " .. hex(h.pbkdf2_hmac_sha256("pencil", "salt", 1)) ..
		" " .. tostring(h.scram_Hi_sha1("p", "s", 2) == h.pbkdf2_hmac_sha1("p", "s", 2))`,
	`local h = require "util.hashes"
	return tostring(h.equals("a", "a")) .. tostring(h.equals("a", "b")) .. tostring(h.equals("a", "ab")) .. tostring(h.equals("", ""))`,
	`local h = require "util.hashes"
	return tostring(h.sha1(12, true)) .. " " .. tostring(h.md5("x", 1)) .. " " .. tostring(pcall(h.sha1)) .. " " .. tostring(pcall(h.pbkdf2_hmac_sha1, "p", "s", 0))`,
	`return select(2, pcall(require "util.hashes".pbkdf2_hmac_sha256, "p", "s", 0))`,
}

// util.hashes against Prosody's own, on the same inputs.
func TestUtilHashesProsody(t *testing.T) {
	expectCases(t, hashesDiffCases, testenv.ProsodyLuaCases(t, hashesDiffCases...))
}

// Known answers, so the library is checked where Prosody is not installed.
func TestUtilHashes(t *testing.T) {
	expectCases(t, []string{
		`return require "util.hashes".sha256("abc", true)`,
		`return require "util.hashes".hmac_sha1("key", "The quick brown fox jumps over the lazy dog", true)`,
		`return #require "util.hashes".pbkdf2_hmac_sha256("p", "s", 3)`,
		`return tostring(pcall(require "util.hashes".equals, "a"))`,
	}, []string{
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9",
		"32",
		"false",
	})
}
