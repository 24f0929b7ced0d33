package bridge

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// sweepStep spaces the code points the sweep tries: every one of them
// matched Prosody's when tried, the step keeps the test quick.
const sweepStep = 11

// sweepLua prints, for every STEP-th code point c (surrogates
// skipped), the results Prosody gives for "x"..c in each stringprep profile
// (nameprep loose and strict), for c's skeleton and for "x"..c..".com" in
// idna, tab separated.
const sweepLua = `
local e = require "util.encodings"
local sp = e.stringprep
local function s(v) return v == nil and "nil" or (v:gsub("[%c]", function(c) return ("\\%d"):format(c:byte()) end)) end
for cp = 0, 0x10FFFF, STEP do
	if cp < 0xD800 or cp > 0xDFFF then
		local c = utf8.char(cp)
		local x = "x" .. c
		io.write(cp, "\t", s(sp.nameprep(x)), "\t", s(sp.nameprep(x, true)), "\t", s(sp.nodeprep(x)), "\t",
			s(sp.resourceprep(x)), "\t", s(sp.saslprep(x)), "\t", s(e.confusable.skeleton(c)), "\t",
			s(e.idna.to_ascii(x .. ".com")), "\t", s(e.idna.to_unicode(x .. ".com")), "\n")
	end
end
`

// sweepShow is sweepLua's s: control bytes as decimal escapes, nil as "nil".
func sweepShow(v string, ok bool) string {
	if !ok {
		return "nil"
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			fmt.Fprintf(&b, "\\%d", v[i])
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// sweepGot is moonport's results for code point c, as sweepLua's line.
func sweepGot(c string) []string {
	x := "x" + c
	return []string{
		sweepShow(prepNameprep.prepare(x, false)), sweepShow(prepNameprep.prepare(x, true)),
		sweepShow(prepNodeprep.prepare(x, false)), sweepShow(prepResourceprep.prepare(x, false)),
		sweepShow(prepSASLprep.prepare(x, false)), sweepShow(confusableSkeleton(c)),
		sweepShow(idnaToASCIIString(x + ".com")), sweepShow(idnaToUnicodeString(x + ".com")),
	}
}

// Stringprep, skeleton and idna on single code points across all of
// Unicode, against Prosody's.
func TestEncodingsSweepProsody(t *testing.T) {
	out := testenv.ProsodyLua(t, strings.Replace(sweepLua, "STEP", strconv.Itoa(sweepStep), 1))
	names := []string{"nameprep", "nameprep strict", "nodeprep", "resourceprep", "saslprep",
		"skeleton", "to_ascii", "to_unicode"}
	lines, bad := 0, 0
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		fs := strings.Split(line, "\t")
		cp, err := strconv.Atoi(fs[0])
		if err != nil || len(fs) != len(names)+1 {
			t.Fatalf("bad line %q", line)
		}
		lines++
		for i, got := range sweepGot(string(rune(cp))) {
			if got != fs[i+1] && bad < 20 {
				t.Errorf("%s U+%04X: moonport %q, Prosody %q", names[i], cp, got, fs[i+1])
				bad++
			}
		}
	}
	if want := (0x110000 - 0x800) / sweepStep; lines < want {
		t.Errorf("Prosody gave %d lines, want about %d", lines, want)
	}
}
