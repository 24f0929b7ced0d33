package lua

// moonport: the harness shared by the tests of moonport's fixes (see
// MOONPORT.md).

import (
	"strings"
	"testing"
)

// showPrelude defines show(label, ...), which appends one line to out:
// its arguments through tostring, separated by spaces.
const showPrelude = `
local out = {}
local function show(...)
	local t = {}
	for i = 1, select('#', ...) do t[#t + 1] = tostring((select(i, ...))) end
	out[#out + 1] = table.concat(t, " ")
end
`

// checkShown runs body after showPrelude in a new state and compares the
// lines body shows with want, which is what lua5.4 prints for the same
// body.
func checkShown(t *testing.T, body string, want []string) {
	t.Helper()
	L := NewState()
	defer L.Close()
	if err := L.DoString(showPrelude + body + "\nreturn table.concat(out, '\\n')"); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(L.ToString(-1), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i+1, got[i], want[i])
		}
	}
}
