package bridge

import (
	"os"
	"sort"
	"strings"
	"testing"
)

const requireModule = `
function functions(name)
	local names = {}
	for k, v in pairs(require(name)) do
		names[#names + 1] = k .. (type(v) == "function" and "" or "?")
	end
	table.sort(names)
	return table.concat(names, " ")
end
function cached(name) return tostring(require(name) == require(name)) end
package.preload["mine"] = function(name) return { answer = 42, name = name } end
function mine() local m = require "mine"; return m.name .. "=" .. m.answer end
function missing()
	local ok, err = pcall(require, "no.such.library")
	return tostring(ok) .. " " .. tostring(err)
end
`

// Each registered name loads its library, once per state, with the
// functions the README lists; the README names every one.
func TestRegistryLoadsEachLibrary(t *testing.T) {
	want := map[string]string{
		"net.server":     "add_task addclient",
		"util.timer":     "add_task",
		"util.set":       "new",
		"moonport.admin": "call handover run",
		"moonport.files": "read stat write",
	}
	var names []string
	for name := range libraries {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) != len(want) {
		t.Errorf("registered %q; this test knows %d libraries", names, len(want))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	inst := newTestRuntime(t, "", map[string]string{"req": requireModule}).load(t, "req")
	for _, name := range names {
		got, err := callGlobal(inst, "functions", name)
		if err != nil {
			t.Errorf("require %q: %v", name, err)
			continue
		}
		if w, known := want[name]; known && got != w {
			t.Errorf("require %q has %q, want %q", name, got, w)
		}
		if same, _ := callGlobal(inst, "cached", name); same != "true" {
			t.Errorf("require %q built the library twice", name)
		}
		if !strings.Contains(string(readme), "`require \""+name+"\"`") {
			t.Errorf("README.md's Module API does not list require %q", name)
		}
	}
}

// A name the registry does not have is Lua's require's: package.preload
// and package.path work, and a missing library is Lua's error.
func TestRegistryFallsThroughToLuasRequire(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"req": requireModule}).load(t, "req")
	if got, err := callGlobal(inst, "mine"); err != nil || got != "mine=42" {
		t.Errorf("package.preload: %q %v", got, err)
	}
	got, err := callGlobal(inst, "missing")
	if err != nil || !strings.HasPrefix(got, "false ") || !strings.Contains(got, "no.such.library") {
		t.Errorf("a missing library: %q %v", got, err)
	}
}

func TestRegistryRefusesADuplicateName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering util.set twice did not panic")
		}
	}()
	registerLibrary("util.set", funcsLibrary(setFuncs))
}
