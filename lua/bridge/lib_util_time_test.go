package bridge

import "testing"

var timeSnippets = map[string]string{
	"time": `
local time = require "util.time"
local n, m = time.now(), time.monotonic()
print(type(n), type(m), math.abs(n - os.time()) < 5, m > 0)
local n2, m2 = time.now(), time.monotonic()
print(n2 >= n, m2 >= m, n % 1 ~= 0 or n2 % 1 ~= 0)
`,
}

// util.time against Prosody's by shape: numbers, now near os.time, with
// fractions, neither clock going back.
func TestUtilTime(t *testing.T) {
	sameAsProsody(t, timeSnippets, map[string]string{"time": "number\tnumber\ttrue\ttrue\ntrue\ttrue\ttrue\n"})
}
