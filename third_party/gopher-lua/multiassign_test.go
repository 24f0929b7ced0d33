package lua

// moonport: tests of the multiple-assignment fix (yuin/gopher-lua#440, see
// MOONPORT.md). Each want line is what lua5.4 prints for the same snippet.

import (
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"
)

const multiAssignScript = `
do local x, y = 1, 2; x, y = y, x; show("swap", x, y) end
do local a, b = 0, 0; a, b = a + 1, a + b; show("sum", a, b) end
do local a, b = 0, 1; for i = 1, 5 do a, b = b, a + b end; show("fib", a, b) end
do local t = {1, 2}; t[1], t[2] = t[2], t[1]; show("tswap", t[1], t[2]) end
do local a, b, c = 1, 2, 3; a, b, c = c, a, b; show("rot", a, b, c) end
do local a = 5; local t = {}; g1, t.x = 1, a; show("global+table", g1, t.x) end
do local a = 5; local t = {}; t.x, a = a, 1; show("table-reads-old-local", t.x, a) end
do local a = 1; local t = {}; a, t[a] = 2, "v"; show("key-is-old-local", t[1], t[2], a) end
do local t = {}; local old = t; t.x, t = 1, {}; show("table-is-old-local", old.x, t.x) end
do local a, b, c = 1, 2, 3; local function f() return a + b, c end; a, b, c = c, f(); show("call-reads-upvalue", a, b, c) end
do local a, b = 1, 2; local function f() return a * 10 end; a, b = f(), f(); show("upvalue-reads", a, b) end
do local a, b = 1, 2; a, b = b; show("fewer-values", a, b) end
do local a, b = 1, 2; a, b = b, a, a + b; show("more-values", a, b) end
do local u, v = 1, 2; local function f() u, v = v, u; return u, v end; show("upvalue-targets", f()) end
do local a, b = 1, 2; local function f(...) a, b = ...; return a, b end; show("vararg", f(b, a)) end
do local a, b = 1, 2; a, b = b and a, a or b; show("logical", a, b) end
do local a, b = "x", "y"; a, b = b .. a, a .. b; show("concat", a, b) end
do local a, b = 1, 2; a, b = b == 2, a < b; show("relational", a, b) end
do local s, t = {n = 1}, {n = 2}; s.n, t.n = t.n, s.n; show("fields", s.n, t.n) end
do local i, t = 1, {10, 20, 30}; i, t[i] = i + 1, 99; show("index", i, t[1], t[2]) end
do g1, g2 = 1, 2; g1, g2 = g2, g1; show("global-swap", g1, g2) end
do local t = {}; local function f() return 7, 8 end; t.a, t.b = f(); show("table-call", t.a, t.b) end
do local x = 1; x = x + 1; local y; y = x; show("single", x, y) end
`

var multiAssignWant = []string{
	"swap 2 1", "sum 1 0", "fib 5 8", "tswap 2 1", "rot 3 1 2", "global+table 1 5",
	"table-reads-old-local 5 1", "key-is-old-local v nil 2", "table-is-old-local 1 nil",
	"call-reads-upvalue 3 3 3", "upvalue-reads 10 10", "fewer-values 2 nil", "more-values 2 1",
	"upvalue-targets 2 1", "vararg 2 1", "logical 1 1", "concat yx xy", "relational true true",
	"fields 2 1", "index 2 99 20", "global-swap 2 1", "table-call 7 8", "single 2 2",
}

func TestMultipleAssignment(t *testing.T) {
	checkShown(t, multiAssignScript, multiAssignWant)
}

// A single assignment still computes straight into the local's register:
// the fix adds no instruction there.
func TestSingleAssignmentNoMove(t *testing.T) {
	chunk, err := parse.Parse(strings.NewReader("local x = 1; x = x + 1"), "single")
	if err != nil {
		t.Fatal(err)
	}
	proto, err := Compile(chunk, "single")
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range proto.Code {
		if opGetOpCode(inst) == OP_MOVE {
			t.Fatalf("single assignment compiled with a MOVE:\n%s", proto)
		}
	}
}
