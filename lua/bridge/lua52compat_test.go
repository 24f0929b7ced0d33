package bridge

import (
	"regexp"
	"testing"
)

var compatSnippets = map[string]string{
	"table": `
print(table.unpack({ 1, 2, 3 }), table.unpack({ 1, 2, 3 }, 2), table.unpack({ 1, 2, 3 }, 2, 3))
local p = table.pack(1, nil, "x", nil)
print(p.n, p[1], p[2], p[3], p[4], table.pack().n)
`,
	"bitcompat": `
local bit = require "util.bitcompat"
print(bit.band(0xF0F0, 0xFF00), bit.band(7, 14, 12), bit.bor(1, 2), bit.bor(1, 2, 8))
print(bit.bxor(0xFF, 0x0F), bit.bxor(1, 3, 4), bit.rshift(0x80000000, 31), bit.rshift(256, 4))
print(bit.lshift(1, 31), bit.lshift(3, 4), bit.band(0x12345678, 0xFFFF), bit.rshift(0x12345678, 16))
`,
}

// table.unpack, table.pack and util.bitcompat print what Lua 5.4 does
// with Prosody's util.bitcompat (on 32-bit values, where its 64-bit
// operators agree with bit32).
func TestCompatSameAsLua54(t *testing.T) {
	sameAsProsody(t, compatSnippets, map[string]string{
		"table":     "1\t2\t2\t3\n4\t1\tnil\tx\tnil\t0\n",
		"bitcompat": "61440\t4\t3\t11\n240\t6\t1\t16\n2147483648\t48\t22136\t4660\n",
	})
}

// bit32 is Lua 5.2's, on unsigned 32-bit numbers.
func TestBit32(t *testing.T) {
	got := moonportPrints(t, `
print(bit32.band(), bit32.bor(), bit32.bxor(), bit32.bnot(0), bit32.bnot(-1), bit32.band(-1, 0xFF))
print(bit32.lshift(1, 32), bit32.lshift(1, -1), bit32.lshift(0xFFFFFFFF, 4), bit32.rshift(1, -3), bit32.rshift(-1, 28))
print(bit32.arshift(0x80000000, 4), bit32.arshift(0x80000000, 40), bit32.arshift(0x40000000, 4), bit32.arshift(1, -2), bit32.arshift(-1, 32))
print(bit32.btest(1, 2), bit32.btest(3, 2), bit32.btest(), bit32.lrotate(0x80000001, 1), bit32.rrotate(1, 1))
print(bit32.extract(0xABCD, 4, 8), bit32.extract(0x80000000, 31), bit32.replace(0xABCD, 0x0, 4, 8), bit32.replace(0, 0xFF, 28, 4))
print(pcall(bit32.extract, 1, 30, 4))
print(bit32.band(2^32 + 5, 7), bit32.bor(1.9, 0), require "util.bitcompat" == bit32)
`)
	want := "4294967295\t0\t0\t4294967295\t0\t255\n" +
		"0\t0\t4294967280\t8\t15\n" +
		"4160749568\t4294967295\t67108864\t4\t4294967295\n" +
		"false\ttrue\ttrue\t3\t2147483648\n" +
		"188\t1\t40973\t4026531840\n"
	if m := regexp.MustCompile(`(?s)^(.*\n)false\t[^\n]*non-existent bits\n5\t1\ttrue\n$`).FindStringSubmatch(got); m == nil || m[1] != want {
		t.Errorf("bit32 printed\n%s\nwant\n%s(then the extract error, 5 1 true)", got, want)
	}
}

// A module that does not parse because of Lua 5.2+ syntax says so; other
// syntax errors stay as they were.
func TestNewerSyntaxReported(t *testing.T) {
	cases := map[string]string{
		"floordiv": "local x = 1\nlocal y = x // 2\n",
		"band":     "local x = 1\n\nlocal y = x & 2 -- a & b\n",
		"bnot":     "local s = '~'\nlocal y = ~s\n",
		"shift":    "local y = \"<<\" .. (1 << 4)\n",
		"plain":    "local y = 1 +\nlocal z = '//'\n",
	}
	want := map[string]string{
		"floordiv": `: this module needs Lua 5\.2\+ syntax \(//\) at \S*mod_floordiv\.lua:2$`,
		"band":     `: this module needs Lua 5\.2\+ syntax \(&\) at \S*mod_band\.lua:3$`,
		"bnot":     `: this module needs Lua 5\.2\+ syntax \(~\) at \S*mod_bnot\.lua:2$`,
		"shift":    `: this module needs Lua 5\.2\+ syntax \(<<\) at \S*mod_shift\.lua:1$`,
		"plain":    `mod_plain\.lua:2: syntax error`,
	}
	rt := newTestRuntime(t, "", cases)
	for name := range cases {
		_, err := rt.Load(name, "*")
		if err == nil || !regexp.MustCompile(want[name]).MatchString(err.Error()) {
			t.Errorf("%s: load error %v, want %s", name, err, want[name])
		}
	}
}

func TestNewerSyntaxScan(t *testing.T) {
	for line, want := range map[string]string{
		"goto continue": "goto", "::done::": "::label::", "a = b | c": "|", "x = y >> 1": ">>",
		"if a ~= b then": "", `s = "a // b" -- x & y`: "", "s = [[ << ]] .. x": "", "f(~x)": "~",
	} {
		if got := newerSyntax([]byte("\n"+line), 2); got != want {
			t.Errorf("newerSyntax(%q) = %q, want %q", line, got, want)
		}
	}
}

// gopher-lua parses and runs goto, so modules that use it for continue
// load as they are.
func TestGotoRuns(t *testing.T) {
	got := moonportPrints(t, `
local out = {}
for i = 1, 5 do
	if i % 2 == 0 then goto continue end
	out[#out + 1] = i
	::continue::
end
print(table.concat(out, " "))
`)
	if got != "1 3 5\n" {
		t.Errorf("goto loop printed %q", got)
	}
}
