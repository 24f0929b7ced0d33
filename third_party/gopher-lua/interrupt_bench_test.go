package lua

// moonport: benchmarks of the run-budget check (interrupt.go,
// MOONPORT.md): the same Lua with no context, with a context (a select on
// Done() before each instruction) and with an Interrupter (a flag read
// before each instruction).

import (
	"context"
	"strings"
	"testing"
)

// budgetSnippets are Lua-heavy work: a tight arithmetic loop (the worst
// case: three instructions per iteration) and the RESP parser of
// bench/modules/mod_bench_resp.lua parsing 16 pipelined PINGs per call.
var budgetSnippets = []struct{ name, setup, call string }{
	{"arith", "x = 0", "local y = 0; for j = 1, 100 do y = y + j * 2 end; x = y"},
	{"resp", `
local find, sub, byte = string.find, string.sub, string.byte
local STAR = byte("*")
function parse(buf)
	local count, pos, len = 0, 1, #buf
	while pos <= len do
		if byte(buf, pos) == STAR then
			local e1 = find(buf, "\r\n", pos, true)
			if not e1 then break end
			local e2 = find(buf, "\r\n", e1 + 2, true)
			if not e2 then break end
			local n = tonumber(sub(buf, e1 + 3, e2 - 1))
			if not n then return nil end
			if len < e2 + 1 + n + 2 then break end
			pos = e2 + 2 + n + 2
		else
			local e = find(buf, "\n", pos, true)
			if not e then break end
			pos = e + 1
		end
		count = count + 1
	end
	return count, sub(buf, pos)
end
buf = ` + "\"" + strings.Repeat(`*1\r\n$4\r\nPING\r\n`, 16) + "\"", "parse(buf)"},
}

// budgetChecks are the ways a state may be given a budget.
var budgetChecks = []struct {
	name string
	arm  func(L *LState) func()
}{
	{"none", func(L *LState) func() { return func() {} }},
	{"context", func(L *LState) func() {
		ctx, cancel := context.WithCancel(context.Background())
		L.SetContext(ctx)
		return cancel
	}},
	{"interrupt", func(L *LState) func() {
		L.SetContext(newTestInterrupter())
		return func() {}
	}},
}

func BenchmarkBudgetCheck(b *testing.B) {
	for _, s := range budgetSnippets {
		for _, c := range budgetChecks {
			b.Run(s.name+"/"+c.name, func(b *testing.B) {
				L := NewState()
				defer L.Close()
				defer c.arm(L)()
				benchIn(b, L, s.setup, s.call)
			})
		}
	}
}

// benchIn is benchLua in a state the caller made.
func benchIn(b *testing.B, L *LState, setup, call string) {
	if err := L.DoString(setup + "\nfunction bench_f(n) for i = 1, n do " + call + " end end"); err != nil {
		b.Fatal(err)
	}
	f := L.GetGlobal("bench_f")
	b.ResetTimer()
	if err := L.CallByParam(P{Fn: f, NRet: 0, Protect: true}, LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
}
