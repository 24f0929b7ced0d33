package bridge

import "testing"

var randomSnippets = map[string]string{
	"random": `
local random = require "util.random"
local a, b = random.bytes(16), random.bytes(16)
print(type(a), #a, #b, a ~= b, #random.bytes(0), #random.bytes(1000), type(random._source))
local all = random.bytes(4096)
local seen = {}
for i = 1, #all do seen[all:byte(i)] = true end
local n = 0; for _ in pairs(seen) do n = n + 1 end
print(n > 200)
`,
}

// util.random against Prosody's by shape: lengths, that two draws differ,
// that 4096 bytes take most byte values.
func TestUtilRandom(t *testing.T) {
	sameAsProsody(t, randomSnippets, nil)
}
