package bridge

import "testing"

var uuidSnippets = map[string]string{
	"uuid": `
local uuid = require "util.uuid"
local u = uuid.generate()
print(type(u), #u, u:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil)
print(u == u:lower(), uuid.generate() ~= u)
local variants = {}
for _ = 1, 200 do variants[uuid.generate():sub(20, 20)] = true end
print(variants["8"] and variants["9"] and variants.a and variants.b, variants.c, variants["4"])
local nib = uuid.get_nibbles(5)
print(#nib, nib:match("^%x+$") ~= nil, #uuid.get_nibbles(8), #uuid.get_nibbles(0))
`,
}

// util.uuid against Prosody's by shape: 36 lower-case hex digits and
// dashes, version 4, variants 8 to b, get_nibbles lengths.
func TestUtilUUID(t *testing.T) {
	sameAsProsody(t, uuidSnippets, map[string]string{"uuid": "string\t36\ttrue\ntrue\ttrue\ntrue\tnil\tnil\n5\ttrue\t8\t0\n"})
}
