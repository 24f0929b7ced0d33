package bridge

import (
	"fmt"
	"strings"
	"testing"
)

// luaLiteral is s as a Lua string literal that Lua 5.1 and 5.4 read alike:
// every byte outside printable ASCII as a decimal escape.
func luaLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// luaInputs is a Lua statement "local inputs = { ... }" of ss.
func luaInputs(ss []string) string {
	lits := make([]string, len(ss))
	for i, s := range ss {
		lits[i] = luaLiteral(s)
	}
	return "local inputs = {\n" + strings.Join(lits, ",\n") + "\n}\n"
}

// showLua defines show(v): v readable on one line, nil as "nil".
const showLua = `local function show(v)
	if v == nil then return "nil" end
	return (tostring(v):gsub("[%c\"\\]", function(c) return ("\\%d"):format(c:byte()) end))
end
`

// prepInputs are what stringprep and the JID functions are given, beyond
// ASCII: case and compatibility mapping, prohibited and unassigned code
// points, bidi, lengths and invalid UTF-8.
var prepInputs = []string{
	"", "Abc", "a b", "a\tb", "a@b", "a\x00b",
	"ÄÖÜ", "ﬁ", "Ⅸ", "ＡＢＣ", "ß", "Straße", "İstanbul", "ΣΑΣ", "ǅ", "\u212b", "e\u0301",
	"\u00ad", "x\u1806y", "\U0002f868\U0002f874\U0002f91f\U0002f95f\U0002f9bf", "x\u200by", "a\u3000b", "a\u00a0b", "㎒", "ﷺ", "½", "x\u180by", "\u2126",
	"a\u0007b", "a\u007fb", "a\u0085b", "\ue000", "\U000f0000", "\ufffd", "\uffff", "\ufdd0",
	"\u2ff0", "\u200e", "\u202a", "\u206a", "\U000e0001", "\u0340", "\u2028", "\u1680", "\ufff9",
	"\u05d0\u05d1", "\u05d0a", "a\u05d0", "\u05d01", "\u05d01\u05d1", "\u0627\u0644", "\u0627 \u0644",
	"\u0627\u06f1", "1\u0627", "\u05d0\u0301", "\u05be", "\u0661\u0627", "\u0627\u0661",
	"\u0221", "\u0378", "\U0001f600", "\u1e9e", "\U0001f100", "x\u0221\u0301", "\u0221\u0301",
	"\U000e0100", "\ua7ff", "\u0221\u05d0",
	strings.Repeat("a", 1023), strings.Repeat("a", 1024), strings.Repeat("Ä", 511),
	strings.Repeat("ﬁ", 341), strings.Repeat("ﷺ", 60), strings.Repeat("ß", 511), strings.Repeat("Ⅷ", 300),
	"\xff", "a\xc3", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80",
}

// Every stringprep profile, loose and strict, against Prosody's.
func TestStringprepProsody(t *testing.T) {
	compareWithProsody(t, luaInputs(prepInputs)+showLua+`
local sp = require "util.encodings".stringprep
for i, s in ipairs(inputs) do
	for _, f in ipairs({ "nameprep", "nodeprep", "resourceprep", "saslprep" }) do
		emit(i, f, show(sp[f](s)), show(sp[f](s, true)), show(sp[f](s, false)))
	end
end
for _, f in ipairs({ "nameprep", "nodeprep", "resourceprep", "saslprep" }) do
	emit(f, sp[f](12), pcall(sp[f]), pcall(sp[f], {}), pcall(sp[f], "a", 1), sp[f]("A", nil))
end
`)
}

// idnaInputs are domain names for idna.to_ascii and to_unicode.
var idnaInputs = []string{
	"bücher.example", "xn--bcher-kva.example", "例え.テスト", "ß.de", "faß.de", "xn--fa-hia.de",
	"Bücher.Example", "ＡＢＣ．ｃｏｍ", "a。b", "a b.com", "a_b.com", "", ".", "a.", ".a", "a..b",
	"xn--zz", "xn--", "-a.com", "a-.com", "ab--c.com", "xn--a.com", "א.com", "\u05d0a.com",
	"a\u05d0.com", "\u200d.com", "a\u200cb.com", "\u0221.com", "\U0001f600.com", "\xff.com",
	"\u00ad.com", "1.2.3.4", "localhost", "XN--BCHER-KVA.example", "xn--bcher-kva.xn--zckzah",
	"ǅ.com", "ﬁ.com", "Ⅸ.com", "\u2488.com", "a/b", "a@b", "a:b", "example.com.", "a\u3002",
	"ΣΑΣ.gr", "xn--4xaa.gr", "ＡＢＣ", "İ.com", "\u0378.com", "xn--ls8h.la", "a\u0000b",
	strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
	strings.Repeat("abcdefghi.", 25) + "abc", strings.Repeat("abcdefghi.", 25) + "abc.",
	strings.Repeat("abcdefghi.", 25) + "abcd", strings.Repeat("abcdefghi.", 25) + "abcd.",
	strings.Repeat("ü.", 100), strings.Repeat("例.", 90), strings.Repeat("a.", 130), strings.Repeat("例", 1100), strings.Repeat("例.", 340),
	strings.Repeat("a.", 511) + "a", strings.Repeat("a.", 512), strings.Repeat("a.", 513), strings.Repeat("a.", 600),
}

// idna.to_ascii and to_unicode against Prosody's.
func TestIDNAProsody(t *testing.T) {
	compareWithProsody(t, luaInputs(idnaInputs)+showLua+`
local idna = require "util.encodings".idna
for i, s in ipairs(inputs) do
	emit(i, show(idna.to_ascii(s)), show(idna.to_unicode(s)))
end
emit(idna.to_ascii(12), pcall(idna.to_ascii), (pcall(idna.to_unicode, {})))
`)
}

// confusableInputs are strings that look like others, or not.
var confusableInputs = []string{
	"", "paypal", "ρаypal", "Paypal", "rn", "m", "ℌello", "0O", "l1I|", "ﬁ", "例え", "\xff", "ä", "Ⅸ",
	"ｐａｙｐａｌ", "𝐩𝐚𝐲", "—–-", "\u05d0", "аеорсух", "αβγ", "ǅ", "\u0221", "\U0001f600", "e\u0301",
	"\u00e9", "Å\u212b", "ꓚ", "vv", "w", "\u0131", "ß", "ﷺ", strings.Repeat("a", 1024),
	strings.Repeat("a", 1025), strings.Repeat("ä", 600), strings.Repeat("ﷺ", 30),
}

// confusable.skeleton against Prosody's.
func TestConfusableProsody(t *testing.T) {
	compareWithProsody(t, luaInputs(confusableInputs)+showLua+`
local skeleton = require "util.encodings".confusable.skeleton
for i, s in ipairs(inputs) do
	local k = skeleton(s)
	emit(i, show(k and #k > 80 and #k or k))
end
emit(skeleton(12), (pcall(skeleton)))
`)
}
