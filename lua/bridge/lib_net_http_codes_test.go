package bridge

import (
	"sort"
	"strconv"
	"strings"
	"testing"
)

// net.http.codes against Prosody's: every code from 100 to 599 (named or
// "Unassigned") and how many are named.
func TestNetHTTPCodes(t *testing.T) {
	snippet := `
local codes = require "net.http.codes"
local n, all = 0, {}
for code = 100, 599 do
	all[#all + 1] = codes[code]
	if rawget(codes, code) then n = n + 1 end
end
print(table.concat(all, ";"))
print(n, codes[404], codes[999])
`
	sameAsProsody(t, map[string]string{"codes": snippet}, nil)
	if got := moonportPrints(t, `print(require "net.http.codes"[404])`); got != "404 Not Found\n" {
		t.Fatalf("codes[404] = %q", got)
	}
}

// httpCodeKeys is what the registry test lists for net.http.codes: its
// named codes, sorted as strings.
func httpCodeKeys() string {
	var keys []string
	for code := 100; code < 600; code++ {
		if httpStatusText(code) != "" {
			keys = append(keys, strconv.Itoa(code)+"?")
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}
