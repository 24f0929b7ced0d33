package bridge

import "testing"

// The ids are random, so the snippet prints what does not vary: lengths,
// the alphabet, and that two ids differ.
func TestUtilIDDifferential(t *testing.T) {
	const shape = `
local id = require "util.id"
local function shape(f)
	local a, b = f(), f()
	return #a .. " " .. tostring(a:find("^[%w_-]*$") ~= nil) .. " " .. tostring(a ~= b or #a == 0)
end
print(shape(id.tiny), shape(id.short), shape(id.medium), shape(id.long))
print(shape(id.custom(1)), shape(id.custom(5)), shape(id.custom(0)), shape(id.custom(64)))
`
	sameAsProsody(t, map[string]string{"shape": shape}, map[string]string{
		"shape": "4 true true\t12 true true\t24 true true\t36 true true\n" +
			"2 true true\t7 true true\t0 true true\t86 true true\n",
	})
}

// Over many ids every character of the URL-safe alphabet turns up and
// nothing else, so the encoding is base64url and not plain base64.
func TestUtilIDAlphabet(t *testing.T) {
	got := moonportPrints(t, `
local id = require "util.id"
local seen, n = {}, 0
for _ = 1, 400 do
	for c in id.long():gmatch(".") do
		if not seen[c] then seen[c] = true; n = n + 1 end
	end
end
print(n, seen["-"], seen["_"], seen["+"], seen["/"], seen["="])`)
	if got != "64\ttrue\ttrue\tnil\tnil\tnil\n" {
		t.Errorf("alphabet: %q", got)
	}
}
