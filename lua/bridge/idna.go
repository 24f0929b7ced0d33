package bridge

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// IDNA as Prosody 0.12 built with ICU has it: UTS #46 with transitional
// processing (so "ß" becomes "ss") and the STD3 ASCII rules, without the
// bidi and joiner (CONTEXTJ) checks; to_ascii also checks DNS lengths.
var (
	idnaToASCII = idna.New(idna.MapForLookup(), idna.Transitional(true),
		idna.CheckJoiners(false), idna.CheckHyphens(false), idna.VerifyDNSLength(true))
	idnaMapOnly = idna.New(idna.MapForLookup(), idna.Transitional(true),
		idna.CheckJoiners(false), idna.CheckHyphens(false))
)

// Prosody converts in fixed buffers: the input and to_unicode's result
// must fit in 1024 UTF-16 code units (and the result in fewer than 1024
// bytes of UTF-8), to_ascii's result in 256 units.
const (
	idnaMaxUnits      = 1024
	idnaMaxASCIIUnits = 256
)

// idnaToASCIIString is idna.to_ascii: false for invalid UTF-8, a name
// UTS #46 reports any error for, or one too long for Prosody's buffers.
func idnaToASCIIString(s string) (string, bool) {
	if !idnaFits(s, idnaMaxUnits) {
		return "", false
	}
	out, err := idnaToASCII.ToASCII(s)
	if err != nil || !idnaFits(out, idnaMaxASCIIUnits) {
		return "", false
	}
	u, err := idnaMapOnly.ToUnicode(out)
	return out, err == nil && idnaLabelsOK(u)
}

// idnaToUnicodeString is idna.to_unicode. x/net's ToUnicode maps without
// transitional processing, where ICU's maps with it; so the name is mapped
// (transitionally) to ASCII first, and its A-labels decoded after, which
// leaves an "xn--" label's "ß" as ICU does. ICU reports empty labels in
// to_unicode too, x/net only where it checks DNS lengths.
func idnaToUnicodeString(s string) (string, bool) {
	if !idnaFits(s, idnaMaxUnits) {
		return "", false
	}
	ascii, err := idnaMapOnly.ToASCII(s)
	if err != nil || idnaHasEmptyLabel(ascii) {
		return "", false
	}
	out, err := idnaMapOnly.ToUnicode(ascii)
	return out, err == nil && idnaLabelsOK(out) && idnaFits(out, idnaMaxUnits) && len(out) < idnaMaxUnits
}

// idnaLabelsOK checks each label of the Unicode form s as UTS #46 does:
// it neither starts nor ends with a hyphen, has no hyphens as its third
// and fourth characters, and does not start with a combining mark.
func idnaLabelsOK(s string) bool {
	for _, label := range strings.Split(s, ".") {
		rs := []rune(label)
		switch {
		case len(rs) == 0:
		case rs[0] == '-' || rs[len(rs)-1] == '-', len(rs) >= 4 && rs[2] == '-' && rs[3] == '-',
			unicode.Is(unicode.M, rs[0]):
			return false
		}
	}
	return true
}

// idnaHasEmptyLabel reports an empty name or an empty label other than the
// root's (a trailing dot).
func idnaHasEmptyLabel(s string) bool {
	return s == "" || strings.Contains(s, "..") || strings.HasPrefix(s, ".")
}

// idnaFits reports whether s is valid UTF-8 of at most max UTF-16 code
// units.
func idnaFits(s string, max int) bool {
	return utf8.ValidString(s) && len(utf16.Encode([]rune(s))) <= max
}
