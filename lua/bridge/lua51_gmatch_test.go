package bridge

import "testing"

// The iterator string.gmatch returns works called by itself as in a
// generic for, and with several captures.
func TestGmatchIteratorCalledDirectly(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"g": `function check()
	local part = ("AUTH\t1\tPLAIN"):gmatch("[^\t]+")
	local out = { part(), part(), part(), tostring((part())) }
	for k, v in ("a=1, b=2"):gmatch("(%w+)=(%w+)") do out[#out + 1] = k .. v end
	for w in string.gmatch("x y", "%a") do out[#out + 1] = w end
	return table.concat(out, " ")
end`}).load(t, "g")
	if got, err := callGlobal(inst, "check"); err != nil || got != "AUTH 1 PLAIN nil a1 b2 x y" {
		t.Errorf("gmatch: %q %v", got, err)
	}
}
