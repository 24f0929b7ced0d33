package lua

// moonport: benchmarks of the compiled-pattern cache and of the integer
// fast path of % (see MOONPORT.md).

import "testing"

func benchLua(b *testing.B, setup, call string) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(setup + "\nfunction bench_f(n) for i = 1, n do " + call + " end end"); err != nil {
		b.Fatal(err)
	}
	f := L.GetGlobal("bench_f")
	b.ResetTimer()
	if err := L.CallByParam(P{Fn: f, NRet: 0, Protect: true}, LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkStringFindPattern(b *testing.B) {
	benchLua(b, `s = "12345\r\nrest"`, `string.find(s, "^(%d+)\r\n")`)
}

func BenchmarkStringFindPlain(b *testing.B) {
	benchHot(b, `s = "12345\r\nrest"`, `string.find(s, "\r\n", 1, true)`)
}

func BenchmarkStringMatch(b *testing.B) {
	benchLua(b, `s = "key: value"`, `string.match(s, "^(%w+):%s*(.-)$")`)
}

func BenchmarkGsub(b *testing.B) {
	benchLua(b, `s = "a b c d e f"`, `string.gsub(s, "%s+", "_")`)
}

func BenchmarkGmatch(b *testing.B) {
	benchLua(b, `s = "a,b,c"`, `for w in string.gmatch(s, "[^,]+") do end`)
}

func BenchmarkModLoop(b *testing.B) {
	// the 20M-iteration loop of issue 18, per iteration
	benchLua(b, `x = 0`, `x = x + i % 7`)
}
