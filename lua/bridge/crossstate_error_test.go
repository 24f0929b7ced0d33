package bridge

import "testing"

// A function of another module's state that raises an error raises it in
// the caller too (pcall sees it), as when both run in one Lua state in
// Prosody; the callee also logs it.
func TestForeignFunctionErrorReachesCaller(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "a.example"`, map[string]string{
		"giver": `module:add_item("thing", { fail = function() error("failed on purpose") end, ok = function() return "fine" end })`,
		"taker": `function try()
	local it = module:get_host_items("thing")[1]
	local ok, err = pcall(it.fail)
	return tostring(ok) .. " " .. tostring(err):match("failed on purpose") .. " " .. it.ok()
end`,
	})
	if _, err := tr.Load("giver", "a.example"); err != nil {
		t.Fatal(err)
	}
	taker, err := tr.Load("taker", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(taker, "try"); got != "false failed on purpose fine" {
		t.Errorf("try: %q %v", got, err)
	}
	tr.log.wait(t, "module=giver", "failed on purpose")
}
