package bridge

import "testing"

// ipairs reads through __index as Lua 5.4's does, so a module:shared
// proxy of another module's list iterates as the list; plain tables stop
// at the first nil, as before.
func TestIpairsThroughIndex(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{
		"owner": `local apps = module:shared("/t/apps"); apps[1] = { id = "a" }; apps[2] = { id = "b" }`,
		"user": `
local function list(t) local out = {} for i, v in ipairs(t) do out[#out + 1] = i .. "=" .. tostring(type(v) == "table" and v.id or v) end return table.concat(out, ",") end
function run()
	local computed = setmetatable({}, { __index = function(_, i) if i <= 3 then return i * 10 end end })
	return table.concat({ list(computed), list({ 1, 2, nil, 4 }), list(module:shared("/t/apps")) }, " ")
end`,
	})
	tr.load(t, "owner")
	user := tr.load(t, "user")
	if got, err := callGlobal(user, "run"); err != nil || got != "1=10,2=20,3=30 1=1,2=2 1=a,2=b" {
		t.Errorf("ipairs: %q %v", got, err)
	}
}
