package bridge

import (
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// emitLua defines emit(...), print's stand-in for snippets run both in
// moonport and in lua5.4: a line of its arguments through tostring, tab
// separated.
const emitLua = `local __out = {}
local function emit(...)
	local t = {}
	for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
	__out[#__out + 1] = table.concat(t, "\t")
end
`

// runSnippet runs a Lua snippet that reports with emit as a moonport
// module and returns its lines.
func runSnippet(t *testing.T, snippet string) string {
	t.Helper()
	src := emitLua + "function run()\n" + snippet + "\nreturn table.concat(__out, \"\\n\")\nend\n"
	inst := newTestRuntime(t, "", map[string]string{"snippet": src}).load(t, "snippet")
	out, err := callGlobal(inst, "run")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareWithProsody runs snippet in moonport and, with Prosody's own
// libraries, in lua5.4, and fails on any line that differs.
func compareWithProsody(t *testing.T, snippet string) {
	t.Helper()
	got := runSnippet(t, snippet)
	want := strings.TrimSuffix(testenv.ProsodyLua(t, emitLua+snippet+"\nprint(table.concat(__out, \"\\n\"))"), "\n")
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("line %d: moonport %q, Prosody %q", i+1, g, w)
		}
	}
}

// jidInputs are the JIDs both implementations are given.
const jidInputs = `local inputs = { "user@example.com", "user@example.com/res", "example.com",
	"example.com/res", "user@example.com/res/with/slashes@at", "a/b@c", "@example.com",
	"user@", "user@/res", "/res", "", "example.com/", "a@b@c", "User@Example.COM/Res",
	"Ä@EXAMPLE.com.", "x y@example.com", "x@.", "ß@example.com", "x@exa\1mple.com",
	"x@example.com/a\1", "u@h/r", "u\"@h", "@", "/", "h//r", "ÄÖÜ@ÉXAMPLE.com/Ré",
	"u@h/" .. ("r"):rep(1024), ("n"):rep(1024) .. "@h", "u@" .. ("h"):rep(1024), "u@h\255", "a<b@h", "a&b@h/c" }
`

func TestUtilJidDifferential(t *testing.T) {
	compareWithProsody(t, jidInputs+`
local jid = require "util.jid"
for _, s in ipairs(inputs) do
	emit(s, jid.split(s))
	emit(jid.bare(s), jid.host(s), jid.node(s), jid.resource(s))
	emit(jid.prep(s), jid.prepped_split(s))
	emit(jid.compare(s, "example.com"), jid.compare(s, "user@example.com"), jid.compare(s, "example.com/res"))
	emit(jid.compare("user@example.com/res", s))
end
emit(jid.split(nil))
emit(jid.bare(nil), jid.prep(nil), jid.escape(nil), jid.unescape(nil), jid.escape(false))
emit(jid.join("u", "h", "r"), jid.join(nil, "h", "r"), jid.join("u", "h"), jid.join(nil, "h"), jid.join("u", nil, "r"))
for _, s in ipairs{ "d'artagnan", "space cadet", "call me \"ishmael\"", "at&t guy", "/.fanboy",
	"::foo::", "<foo>", "user@host", "c:\\net", "c:\\\\net", "c:\\cool stuff", "c:\\5commas",
	"\\2F", "\\20", "\\5c", "\\zz", "plain" } do
	emit(jid.escape(s), jid.unescape(s), jid.unescape(jid.escape(s)))
end
`)
}

func TestUtilJid(t *testing.T) {
	got := runSnippet(t, `
local jid = require "util.jid"
emit(jid.split("u@h/r"))
emit(jid.split("a@b@c"))
emit(jid.prep("USER@HOST./Res"))
emit(jid.escape("a b@c"), jid.unescape("a\\20b\\40c"))
emit(jid.compare("u@h/r", "h"), jid.compare("u@h/r", "v@h"))
`)
	want := "u\th\tr\nnil\tnil\tnil\nuser@host/Res\na\\20b\\40c\ta b@c\ntrue\tfalse"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
