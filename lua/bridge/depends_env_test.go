package bridge

import (
	"strings"
	"testing"
)

// depModule is a module with globals another reads through module:depends:
// a function, a table, a string.
func depModule(version string) string {
	return `
function get(token) return "` + version + ` " .. token .. " in " .. module.name end
limits = { max = 3, nested = { deep = true } }
label = "` + version + `"
`
}

// userModule reads depModule's globals through module:depends("dep").
const userModule = `
local dep = module:depends("dep")
function call(token) return dep.get(token) end
function read() return dep.label .. " " .. dep.limits.max .. " " .. tostring(dep.limits.nested.deep) .. " " .. tostring(dep.missing) .. " " .. dep.module.name end
function write() dep.label = "changed" end
function itself() return tostring(rawequal(module:depends("user"), _G)) end
`

// module:depends returns the other module's environment, as in Prosody:
// its global functions run in its state, its values are copies, writes
// are refused; a module depending on itself gets its own globals.
func TestDependsReturnsTheEnvironment(t *testing.T) {
	tr := newTestRuntime(t, `modules_enabled = { "user" }`, map[string]string{"dep": depModule("v1"), "user": userModule})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	user := instanceNamed(t, tr.Runtime, "user")
	if got, err := callGlobal(user, "call", "abc"); err != nil || got != "v1 abc in dep" {
		t.Errorf("dep.get: %q, %v", got, err)
	}
	if got, err := callGlobal(user, "read"); err != nil || got != "v1 3 true nil dep" {
		t.Errorf("reading dep's globals: %q, %v", got, err)
	}
	if _, err := callGlobal(user, "write"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("a write was not refused: %v", err)
	}
	if got, _ := callGlobal(user, "read"); !strings.HasPrefix(got, "v1 ") {
		t.Errorf("after the refused write: %q", got)
	}
	if got, err := callGlobal(user, "itself"); err != nil || got != "true" {
		t.Errorf("module:depends on itself: %q, %v", got, err)
	}
}

// The environment a module got from module:depends follows a reload of
// the module it depends on: reads reach the new instance.
func TestDependsEnvironmentFollowsAReload(t *testing.T) {
	cfg := `modules_enabled = { "user" }`
	tr := newTestRuntime(t, cfg, map[string]string{"dep": depModule("v1"), "user": userModule})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	user := instanceNamed(t, tr.Runtime, "user")
	st, err := tr.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"dep": depModule("v2"), "user": userModule}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if now := instanceNamed(t, tr.Runtime, "user"); now != user {
		t.Fatalf("the reload replaced the unchanged module too; the test needs it kept")
	}
	if got, err := callGlobal(user, "call", "abc"); err != nil || got != "v2 abc in dep" {
		t.Errorf("dep.get after dep's reload: %q, %v", got, err)
	}
}

// instanceNamed is the running instance of a module.
func instanceNamed(t *testing.T, rt *Runtime, name string) *Instance {
	t.Helper()
	for _, i := range rt.active() {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("no instance of %s", name)
	return nil
}
