package bridge

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// rowLua defines row(s): the results Prosody gives for s in each
// stringprep profile (nameprep loose and strict), for s's skeleton and for
// s..".com" in idna, tab separated, control bytes as decimal escapes.
const rowLua = `
local e = require "util.encodings"
local sp = e.stringprep
local function s(v) return v == nil and "nil" or (v:gsub("[%c]", function(c) return ("\\%d"):format(c:byte()) end)) end
local function row(x)
	return table.concat({ s(sp.nameprep(x)), s(sp.nameprep(x, true)), s(sp.nodeprep(x)), s(sp.resourceprep(x)),
		s(sp.saslprep(x)), s(e.confusable.skeleton(x)), s(e.idna.to_ascii(x .. ".com")),
		s(e.idna.to_unicode(x .. ".com")) }, "\t")
end
`

// rowNames name row's columns.
var rowNames = []string{"nameprep", "nameprep strict", "nodeprep", "resourceprep", "saslprep",
	"skeleton", "to_ascii", "to_unicode"}

// rowShow is rowLua's s: control bytes as decimal escapes, nil as "nil".
func rowShow(v string, ok bool) string {
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

// rowGot is moonport's results for x, as row's.
func rowGot(x string) []string {
	return []string{
		rowShow(prepNameprep.prepare(x, false)), rowShow(prepNameprep.prepare(x, true)),
		rowShow(prepNodeprep.prepare(x, false)), rowShow(prepResourceprep.prepare(x, false)),
		rowShow(prepSASLprep.prepare(x, false)), rowShow(confusableSkeleton(x)),
		rowShow(idnaToASCIIString(x + ".com")), rowShow(idnaToUnicodeString(x + ".com")),
	}
}

// compareRows checks Prosody's output, lines of a number n and row(input
// n), against moonport's results for input(n); it returns how many lines
// it read.
func compareRows(t *testing.T, out string, input func(n int) string) int {
	t.Helper()
	lines, bad := 0, 0
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		fs := strings.Split(line, "\t")
		n, err := strconv.Atoi(fs[0])
		if err != nil || len(fs) != len(rowNames)+1 {
			t.Fatalf("bad line %q", line)
		}
		lines++
		x := input(n)
		for i, got := range rowGot(x) {
			if got != fs[i+1] && bad < 20 {
				t.Errorf("%s %+q: moonport %q, Prosody %q", rowNames[i], x, got, fs[i+1])
				bad++
			}
		}
	}
	return lines
}

// sweepStep spaces the code points the sweep tries: every one of them
// matched Prosody's when tried, the step keeps the test quick.
const sweepStep = 11

// Stringprep, skeleton and idna on "x" and a single code point, across all
// of Unicode, against Prosody's.
func TestEncodingsSweepProsody(t *testing.T) {
	out := testenv.ProsodyLua(t, rowLua+`
for cp = 0, 0x10FFFF, `+strconv.Itoa(sweepStep)+` do
	if cp < 0xD800 or cp > 0xDFFF then io.write(cp, "\t", row("x" .. utf8.char(cp)), "\n") end
end
`)
	lines := compareRows(t, out, func(cp int) string { return "x" + string(rune(cp)) })
	if want := (0x110000 - 0x800) / sweepStep; lines < want {
		t.Errorf("Prosody gave %d lines, want about %d", lines, want)
	}
}

// randomPool is what random strings are drawn from: letters that map or
// fold, combining marks, spaces, joiners, right-to-left letters and
// digits, code points unassigned in Unicode 3.2, prohibited ones, dots,
// ASCII that IDNA or Nodeprep refuse, CONTEXTJ/O characters, special
// case foldings.
var randomPool = []rune("aZß0-.İΣς\u0301\u0308\u0345 \u00a0\u3000\u200b\u200c\u200d\u00ad" +
	"\u05d0\u05d1\u0627\u0661\u06f1\u05be\u200e\u0221\u0378\u1e9e\U0001f600\U0001f100\ue000\ufffd\u2488ﬁⅨＡ。ǅ\u1806" +
	"xn--XN_:@/\t\x01\u0660\u0966\u30fb\u0f0b\u00b7l\u094d\u200c\u0640\u3005\u2ff0\u115f\u1160\u3164\uffa0\u2028\u202e\u206f\U000e0001\U000e0100\u3002\uff0e\uff61\u1d2c\u2126\u00c5\u212b\u01f0\u0390\u1e96\ufb00\u0130\u03f4\u1fbe\u0587\u00bd\u2153")

// Random strings from randomPool, against Prosody's: characters in
// combination (normalisation across runs, bidi, mapping to nothing).
func TestEncodingsRandomProsody(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	inputs := make([]string, 4000)
	for i := range inputs {
		rs := make([]rune, 1+rng.Intn(10))
		for j := range rs {
			rs[j] = randomPool[rng.Intn(len(randomPool))]
		}
		inputs[i] = string(rs)
	}
	// Raw, one a line, to stay within what one argument of exec may hold.
	out := testenv.ProsodyLua(t, rowLua+`
local i = 0
for x in ([==[`+strings.Join(inputs, "\n")+`]==]):gmatch("[^\n]+") do
	i = i + 1
	io.write(i, "\t", row(x), "\n")
end
`)
	if lines := compareRows(t, out, func(i int) string { return inputs[i-1] }); lines != len(inputs) {
		t.Errorf("Prosody gave %d lines, want %d", lines, len(inputs))
	}
}
