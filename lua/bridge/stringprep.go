package bridge

import (
	"strings"
	"unicode/utf8"

	"github.com/xdg-go/stringprep"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// Stringprep (RFC 3454) as Prosody 0.12 does it when built with ICU, the
// build Debian ships: the tables are RFC 3454's (Unicode 3.2, from
// xdg-go/stringprep), and so is the set of code points normalised, but the
// bidi check reads the current Unicode bidi classes (x/text), as ICU's
// usprep does.

// prepProfile is one stringprep profile.
type prepProfile struct {
	// spaceToASCII maps the non-ASCII spaces (C.1.2) to U+0020 before maps
	// apply, so that U+200B, in both C.1.2 and B.1, becomes a space (SASLprep,
	// as ICU has it).
	spaceToASCII bool
	maps         []stringprep.Mapping
	prohibits    []stringprep.Set
	// banned are ASCII characters the profile prohibits besides its tables
	// (Nodeprep's).
	banned string
}

// prepProhibitedCommon are the tables C.3 to C.9, prohibited by every
// profile Prosody offers.
var prepProhibitedCommon = []stringprep.Set{
	stringprep.TableC3, stringprep.TableC4, stringprep.TableC5, stringprep.TableC6,
	stringprep.TableC7, stringprep.TableC8, stringprep.TableC9,
}

func prohibiting(sets ...stringprep.Set) []stringprep.Set {
	return append(sets, prepProhibitedCommon...)
}

// prepB1 is table B.1 (commonly mapped to nothing) as RFC 3454 has it:
// xdg-go's copy lacks U+1806 MONGOLIAN TODO SOFT HYPHEN.
var prepB1 = func() stringprep.Mapping {
	m := stringprep.Mapping{0x1806: nil}
	for r, to := range stringprep.TableB1 {
		m[r] = to
	}
	return m
}()

var (
	// prepNameprep is RFC 3491's Nameprep.
	prepNameprep = prepProfile{
		maps:      []stringprep.Mapping{prepB1, stringprep.TableB2},
		prohibits: prohibiting(stringprep.TableC1_2, stringprep.TableC2_2),
	}
	// prepNodeprep is RFC 3920's Nodeprep (appendix A).
	prepNodeprep = prepProfile{
		maps: []stringprep.Mapping{prepB1, stringprep.TableB2},
		prohibits: prohibiting(stringprep.TableC1_1, stringprep.TableC1_2,
			stringprep.TableC2_1, stringprep.TableC2_2),
		banned: "\"&'/:<>@",
	}
	// prepResourceprep is RFC 3920's Resourceprep (appendix B): no case
	// mapping.
	prepResourceprep = prepProfile{
		maps:      []stringprep.Mapping{prepB1},
		prohibits: prohibiting(stringprep.TableC1_2, stringprep.TableC2_1, stringprep.TableC2_2),
	}
	// prepSASLprep is RFC 4013's SASLprep.
	prepSASLprep = prepProfile{
		spaceToASCII: true,
		maps:         []stringprep.Mapping{prepB1},
		prohibits:    prohibiting(stringprep.TableC1_2, stringprep.TableC2_1, stringprep.TableC2_2),
	}
)

// prepMax is the byte length Prosody refuses, in input and output: it
// prepares in fixed buffers of 1024.
const prepMax = 1024

// prepare runs s through the profile: mapping, NFKC, prohibited output and
// the bidi rule. Unassigned code points (A.1) are refused when strict and
// otherwise kept as they are. It fails, as Prosody's does, for invalid
// UTF-8 and for input or output of prepMax bytes or more.
func (p *prepProfile) prepare(s string, strict bool) (string, bool) {
	if len(s) >= prepMax || !utf8.ValidString(s) {
		return "", false
	}
	mapped, ok := p.mapRunes(s, strict)
	if !ok {
		return "", false
	}
	out := prepNFKC32(mapped)
	for _, r := range out {
		if p.prohibited(r) {
			return "", false
		}
	}
	if !prepBidiOK(out) || len(out) >= prepMax {
		return "", false
	}
	return out, true
}

// mapRunes is the mapping step.
func (p *prepProfile) mapRunes(s string, strict bool) ([]rune, bool) {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if strict && stringprep.TableA1.Contains(r) {
			return nil, false
		}
		if p.spaceToASCII && stringprep.TableC1_2.Contains(r) {
			out = append(out, ' ')
			continue
		}
		if rs, ok := p.mapRune(r); ok {
			out = append(out, rs...)
		} else {
			out = append(out, r)
		}
	}
	return out, true
}

// mapRune is what the first of the profile's maps that has r maps it to;
// false when none has it (r stays).
func (p *prepProfile) mapRune(r rune) ([]rune, bool) {
	for _, m := range p.maps {
		if rs, ok := m.Map(r); ok {
			return rs, true
		}
	}
	return nil, false
}

func (p *prepProfile) prohibited(r rune) bool {
	if r < utf8.RuneSelf && strings.IndexByte(p.banned, byte(r)) >= 0 {
		return true
	}
	for _, set := range p.prohibits {
		if set.Contains(r) {
			return true
		}
	}
	return false
}

// prepNorm32 are the decompositions Unicode corrected after 3.2 (its
// NormalizationCorrections.txt): stringprep normalises as 3.2 did, and so
// does ICU, where x/text has the corrected ones.
var prepNorm32 = map[rune]rune{
	0x2F868: 0x2136A, 0x2F874: 0x5F33, 0x2F91F: 0x43AB, 0x2F95F: 0x7AAE, 0x2F9BF: 0x4D57,
}

// prepNFKC32 is NFKC of Unicode 3.2, as stringprep asks: runs of code
// points assigned in 3.2 are normalised, the others copied unchanged (what
// ICU's filtered normaliser does), so that a code point unassigned in 3.2
// never changes. It rewrites rs.
func prepNFKC32(rs []rune) string {
	for i, r := range rs {
		if to, ok := prepNorm32[r]; ok {
			rs[i] = to
		}
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(rs); i++ {
		if i < len(rs) && !stringprep.TableA1.Contains(rs[i]) {
			continue
		}
		b.WriteString(norm.NFKC.String(string(rs[start:i])))
		if i < len(rs) {
			b.WriteRune(rs[i])
		}
		start = i + 1
	}
	return b.String()
}

// prepBidiOK is RFC 3454's section 6: a string with a right-to-left
// character has no left-to-right one and starts and ends with a
// right-to-left one. (Table C.8 is in every profile's prohibits.)
func prepBidiOK(s string) bool {
	var hasL, hasR bool
	var first, last bidi.Class
	for i, r := range s {
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		if i == 0 {
			first = c
		}
		last = c
		hasL = hasL || c == bidi.L
		hasR = hasR || c == bidi.R || c == bidi.AL
	}
	rtl := func(c bidi.Class) bool { return c == bidi.R || c == bidi.AL }
	return !hasR || !hasL && rtl(first) && rtl(last)
}
