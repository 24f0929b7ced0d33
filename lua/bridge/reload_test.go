package bridge

import (
	"strings"
	"testing"
)

// counterModule counts calls; save and restore carry the count, unload
// and config-reloaded leave a note in module:shared("/test/notes") under
// the module's version.
func counterModule(version string) string {
	return `
local version = "` + version + `"
local notes = module:shared("/test/notes")
count = 0
function bump() count = count + 1; return version .. ":" .. count end
function option() return tostring(module:get_option("greeting")) end
function module.save() return { count = count } end
function module.restore(state) count = state.count end
function module.unload() notes[module.name .. " " .. version] = "unloaded" end
module:hook("config-reloaded", function() notes[module.name .. " " .. version .. " reloaded"] = "yes" end)
`
}

const reloadConfig = `modules_enabled = { "a", "b" }
greeting = "hello"
`

// reloadRuntime runs modules a and b (version 1) and bumps a's count to 2.
func reloadRuntime(t *testing.T) (*testRuntime, *Instance) {
	t.Helper()
	tr := newTestRuntime(t, reloadConfig, map[string]string{"a": counterModule("1"), "b": counterModule("1")})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	a := tr.Primaries()[0]
	callGlobal(a, "bump")
	if got, _ := callGlobal(a, "bump"); got != "1:2" {
		t.Fatalf("bump: %q", got)
	}
	return tr, a
}

func note(tr *testRuntime, key string) any {
	return tr.shared.table("/test/notes").get(key)
}

// A stage that fails (here c's body errors with strict_modules, after
// a's new version and b were staged) leaves the runtime as it was: the
// same instances serve with their state and the old config, and what the
// stage loaded is stopped.
func TestStageFailureLeavesTheRuntimeAsItWas(t *testing.T) {
	tr, a := reloadRuntime(t)
	before := tr.Primaries()
	snap := evaluate(t, `modules_enabled = { "a", "b", "c" }
greeting = "bye"
strict_modules = true
`)
	mods := map[string]string{"a": counterModule("2"), "b": counterModule("1"), "c": `error("c cannot load")`}
	st, err := tr.Stage(snap, sourcesOf(mods))
	if err == nil || !strings.Contains(err.Error(), "c cannot load") {
		t.Fatalf("Stage: %v %v", st, err)
	}
	after := tr.Primaries()
	if len(after) != len(before) || after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("instances changed: %v -> %v", before, after)
	}
	if got, _ := callGlobal(a, "bump"); got != "1:3" {
		t.Errorf("a after a failed stage: %q", got)
	}
	if got, _ := callGlobal(a, "option"); got != "hello" {
		t.Errorf("a reads %q after a failed stage", got)
	}
	if note(tr, "a 2") != "unloaded" {
		t.Error("the staged version of a was not stopped")
	}
	if note(tr, "a 1") != nil {
		t.Error("the running a was unloaded")
	}
	if tr.Config() == snap {
		t.Error("the runtime took the failed stage's config")
	}
}

// Without strict_modules, a module the reload would add that fails to
// load is left out, as at startup: the stage goes on and reports it.
func TestStageLeavesOutANewModuleThatFails(t *testing.T) {
	tr, _ := reloadRuntime(t)
	snap := evaluate(t, "modules_enabled = { \"a\", \"b\", \"c\", \"d\" }\n")
	mods := map[string]string{"a": counterModule("1"), "b": counterModule("1"), "c": `error("c cannot load")`}
	st, err := tr.Stage(snap, sourcesOf(mods))
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	rep := st.Report()
	if len(rep.Failed) != 2 || rep.Failed[0].Module != "c" || !strings.Contains(rep.Failed[0].Err.Error(), "c cannot load") ||
		rep.Failed[1].Module != "d" || !strings.Contains(rep.Failed[1].Err.Error(), "module 'd' not found") {
		t.Fatalf("report: %+v", rep)
	}
	st.Commit()
	if n := len(tr.Primaries()); n != 2 {
		t.Errorf("%d modules after the reload, want a and b", n)
	}
	if len(tr.LoadReport().Failed) != 2 {
		t.Errorf("the runtime's report after Commit: %+v", tr.LoadReport())
	}
}

// A running module whose new version fails to load fails the reload even
// without strict_modules: a broken edit never takes a running module down.
func TestStageFailsWhenARunningModuleBreaks(t *testing.T) {
	tr, a := reloadRuntime(t)
	mods := map[string]string{"a": counterModule("2") + "\nerror('a is broken')", "b": counterModule("1")}
	if _, err := tr.Stage(evaluate(t, reloadConfig), sourcesOf(mods)); err == nil || !strings.Contains(err.Error(), "a is broken") {
		t.Fatalf("Stage: %v", err)
	}
	if got, _ := callGlobal(a, "bump"); got != "1:3" {
		t.Errorf("a after the failed stage: %q", got)
	}
}

// Commit swaps: a changed module runs its new version with the state the
// old one saved, an unchanged one keeps its instance and reads the new
// config, a removed one is unloaded, and config-reloaded fires.
func TestStageCommitSwaps(t *testing.T) {
	tr, a := reloadRuntime(t)
	b := tr.Primaries()[1]
	snap := evaluate(t, `modules_enabled = { "a", "c" }
greeting = "bye"
`)
	mods := map[string]string{"a": counterModule("2"), "b": counterModule("1"), "c": counterModule("1")}
	st, err := tr.Stage(snap, sourcesOf(mods))
	if err != nil {
		t.Fatal(err)
	}
	if kept, added, replaced, removed := st.Changes(); kept != 0 || added != 1 || replaced != 1 || removed != 1 {
		t.Errorf("Changes: kept %d, added %d, replaced %d, removed %d", kept, added, replaced, removed)
	}
	st.Commit()
	now := tr.Primaries()
	if len(now) != 2 || now[0] == a || now[0].Name != "a" || now[1].Name != "c" {
		t.Fatalf("after Commit: %v", now)
	}
	// The new a goes on from the count a saved (2).
	if got, _ := callGlobal(now[0], "bump"); got != "2:3" {
		t.Errorf("new a: %q", got)
	}
	if got, _ := callGlobal(now[1], "option"); got != "bye" {
		t.Errorf("c reads %q", got)
	}
	if tr.Config() != snap {
		t.Error("the runtime did not take the new config")
	}
	for _, key := range []string{"a 1", "b 1"} {
		if note(tr, key) != "unloaded" {
			t.Errorf("%s was not unloaded", key)
		}
	}
	if note(tr, "a 2 reloaded") != "yes" || note(tr, "c 1 reloaded") != "yes" {
		t.Error("config-reloaded did not fire on the new modules")
	}
	if a.call(func() {}) || b.call(func() {}) {
		t.Error("a retired instance without connections still runs")
	}
}

// An unchanged module keeps its instance across a commit and reads the
// new config.
func TestStageKeepsUnchangedModules(t *testing.T) {
	tr, a := reloadRuntime(t)
	snap := evaluate(t, strings.Replace(reloadConfig, "hello", "bye", 1))
	st, err := tr.Stage(snap, sourcesOf(map[string]string{"a": counterModule("1"), "b": counterModule("1")}))
	if err != nil {
		t.Fatal(err)
	}
	if kept, added, replaced, removed := st.Changes(); kept != 2 || added+replaced+removed != 0 {
		t.Errorf("Changes: kept %d, added %d, replaced %d, removed %d", kept, added, replaced, removed)
	}
	st.Commit()
	if tr.Primaries()[0] != a {
		t.Fatal("an unchanged module got a new instance")
	}
	if got, _ := callGlobal(a, "bump"); got != "1:3" {
		t.Errorf("a: %q", got)
	}
	if got, _ := callGlobal(a, "option"); got != "bye" {
		t.Errorf("a reads %q after Commit", got)
	}
}

// Abort keeps the running modules and stops what the stage loaded.
func TestStageAbortKeeps(t *testing.T) {
	tr, a := reloadRuntime(t)
	before := tr.Primaries()
	snap := evaluate(t, `modules_enabled = { "a", "b", "c" }`)
	mods := map[string]string{"a": counterModule("2"), "b": counterModule("1"), "c": counterModule("1")}
	st, err := tr.Stage(snap, sourcesOf(mods))
	if err != nil {
		t.Fatal(err)
	}
	staged := st.order
	st.Abort()
	after := tr.Primaries()
	if len(after) != 2 || after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("instances changed: %v -> %v", before, after)
	}
	if got, _ := callGlobal(a, "bump"); got != "1:3" {
		t.Errorf("a after Abort: %q", got)
	}
	for _, inst := range staged {
		if inst != before[0] && inst != before[1] && inst.call(func() {}) {
			t.Errorf("staged %s still runs after Abort", inst.Name)
		}
	}
	if note(tr, "a 2") != "unloaded" || note(tr, "c 1") != "unloaded" || note(tr, "a 1") != nil {
		t.Error("Abort unloaded the wrong instances")
	}
}

// From module.save() on, the old instance runs nothing until the stage
// commits or aborts: what it saved is its last word. On Commit, work that
// arrived meanwhile runs after module.unload (an event for a connection
// would find it moved and go to the new instance); on Abort, the old
// instance goes on with it and with its state.
func TestStageHoldsTheSavedInstance(t *testing.T) {
	for _, commit := range []bool{true, false} {
		tr, a := reloadRuntime(t)
		mods := map[string]string{"a": counterModule("2"), "b": counterModule("1")}
		st, err := tr.Stage(evaluate(t, reloadConfig), sourcesOf(mods))
		if err != nil {
			t.Fatal(err)
		}
		ran := make(chan any, 1)
		if !a.post(func() { ran <- noteIn(a, "a 1") }) {
			t.Fatal("a refused work before the switch")
		}
		select {
		case <-ran:
			t.Fatalf("commit %v: work for a ran between its module.save and the switch", commit)
		default:
		}
		if !commit {
			st.Abort()
			if got := <-ran; got != nil {
				t.Errorf("after Abort, a saw %v", got)
			}
			if got, _ := callGlobal(a, "bump"); got != "1:3" {
				t.Errorf("a after Abort: %q", got)
			}
			continue
		}
		st.Commit()
		if got := <-ran; got != "unloaded" {
			t.Errorf("work queued for a ran before its module.unload (saw %v)", got)
		}
		if got, _ := callGlobal(tr.Primaries()[0], "bump"); got != "2:3" {
			t.Errorf("new a: %q", got)
		}
	}
}
