package bridge

import "testing"

// A relative module:shared path lacks as many of "/host/module" as it has
// slashes, as in Prosody: "other/x" is another module's table on the same
// host (mod_invites_page reads mod_register_apps' "register_apps/apps"),
// "host/module/x" an absolute one.
func TestModuleSharedRelativePaths(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{
		"a": `module:shared("x").v = "a's"`,
		"b": `function read()
	return table.concat({ tostring(module:shared("a/x").v), tostring(module:shared("*/a/x").v), tostring(module:shared("x").v) }, " ")
end`,
	})
	tr.load(t, "a")
	b := tr.load(t, "b")
	if got, err := callGlobal(b, "read"); err != nil || got != "a's a's nil" {
		t.Errorf("b reading a's table by relative paths: %q %v, want \"a's a's nil\"", got, err)
	}
}
