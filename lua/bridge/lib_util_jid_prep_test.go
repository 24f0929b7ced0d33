package bridge

import (
	"math/rand"
	"strings"
	"testing"
)

// jidUnicodeInputs are JIDs beyond ASCII: mapped, prohibited, unassigned
// and bidi parts, in each position.
var jidUnicodeInputs = []string{
	"ÄÖÜ@ÉXAMPLE.com/Ré", "ﬁ@Ⅸ.example/ﬁ", "ＵＳＥＲ@ＥＸＡＭＰＬＥ.com/ＲＥＳ", "Straße@straße.de/Straße",
	"bücher@Bücher.example", "xn--bcher-kva@xn--bcher-kva.example", "例え@例え.テスト/例え",
	"a\u00a0b@h", "h/a\u00a0b", "a\u3000b@h/a\u3000b", "\u00adx@h/\u00adx", "x\u200by@h/x\u200by",
	"\ue000@h", "h/\ue000", "u@\ue000", "\ufffd@h", "h/\ufffd", "u@h\ufffd",
	"\u05d0\u05d1@\u05d0\u05d1/\u05d0\u05d1", "\u05d0a@h", "u@\u05d0a", "h/\u05d0a", "h/a\u05d0",
	"\u0627\u0644@h/\u0627 \u0644", "u@h/1\u0627",
	"\u0221@h", "u@\u0221", "h/\u0221", "\U0001f600@h/\U0001f600", "u@h/\U0001f100",
	"u@h/\u0007", "u@h\u0085", "İ@h/İ", "ΣΑΣ@ΣΑΣ/ΣΑΣ", "\u0340@h",
	"u@h./r", "u@.", "u@h..", "\xff@h", "u@h/\xff", "u@\xed\xa0\x80",
	strings.Repeat("ß", 511) + "@h", "u@h/" + strings.Repeat("ﷺ", 60), strings.Repeat("ﬁ", 341) + "@h",
}

// prep and prepped_split, loose and strict, on JIDs beyond ASCII.
func TestUtilJidUnicodeProsody(t *testing.T) {
	compareWithProsody(t, luaInputs(jidUnicodeInputs)+showLua+`
local jid = require "util.jid"
local function showAll(...)
	local t = {}
	for i = 1, select("#", ...) do t[i] = show((select(i, ...))) end
	return select("#", ...) .. ":" .. table.concat(t, " ")
end
for i, s in ipairs(inputs) do
	emit(i, show(jid.prep(s)), show(jid.prep(s, true)), show(jid.prep(s, false)))
	emit(i, showAll(jid.prepped_split(s)), showAll(jid.prepped_split(s, true)))
	emit(i, showAll(jid.split(s)), show(jid.bare(s)), jid.compare(s, jid.bare(s) or ""))
end
emit(jid.prep(nil, 5), jid.prep("/r", 5), jid.prep(".", 5), (pcall(jid.prep, "u@h", 5)), (pcall(jid.prepped_split, "h", {})))
`)
}

// Random JIDs of characters that split, map, fold or fail, loose and
// strict, against Prosody's.
func TestUtilJidRandomProsody(t *testing.T) {
	pool := []rune("aZÄß@/.. \u00a0\u3000\u05d0\u05d11\u0221ﬁⅨ\u0301\u200b\u00ad&:\ue000")
	rng := rand.New(rand.NewSource(16))
	inputs := make([]string, 600)
	for i := range inputs {
		rs := make([]rune, 1+rng.Intn(9))
		for j := range rs {
			rs[j] = pool[rng.Intn(len(pool))]
		}
		inputs[i] = string(rs)
	}
	compareWithProsody(t, luaInputs(inputs)+showLua+`
local jid = require "util.jid"
for i, s in ipairs(inputs) do
	emit(i, show(jid.prep(s)), show(jid.prep(s, true)), show(jid.bare(s)), show(jid.resource(s)))
end
`)
}
