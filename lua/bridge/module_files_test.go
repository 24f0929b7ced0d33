package bridge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onDisk makes the runtime's module folder a temporary directory holding
// files (slash-separated name -> content) and returns its path.
func (tr *testRuntime) onDisk(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr.sources = []Source{{Label: dir, FS: os.DirFS(dir)}}
	return dir
}

// module:require finds the module's library as Prosody's plugin loader
// does (<lib>.lib.lua before <lib>.lua, in the module's folder), runs it
// in the module's globals each time, and names the file and line of an
// error.
func TestModuleRequire(t *testing.T) {
	tr := newTestRuntime(t, "", nil)
	tr.onDisk(t, map[string]string{
		"mod_lib/mod_lib.lua": `
function use() local h = module:require("helper"); return h.greet() .. " " .. tostring(runs) end
function plain() return module:require("plain").name end
function broken() return module:require("broken") end
function absent() return module:require("absent") end`,
		"mod_lib/helper.lib.lua": `runs = (runs or 0) + 1; return { greet = function() return "hello from " .. module.name end }`,
		"mod_lib/helper.lua":     `return { greet = function() return "the .lua one" end }`,
		"mod_lib/plain.lua":      `return { name = "plain" }`,
		"mod_lib/broken.lua":     "local x = 1\nerror('no good')\n",
	})
	inst := tr.load(t, "lib")
	callGlobal(inst, "use")
	if got, err := callGlobal(inst, "use"); got != "hello from lib 2" || err != nil {
		t.Errorf("use: %q %v", got, err)
	}
	if got, err := callGlobal(inst, "plain"); got != "plain" || err != nil {
		t.Errorf("plain: %q %v", got, err)
	}
	if _, err := callGlobal(inst, "broken"); err == nil || !strings.Contains(err.Error(), "mod_lib/broken.lua:2: no good") {
		t.Errorf("broken: %v", err)
	}
	if _, err := callGlobal(inst, "absent"); err == nil || !strings.Contains(err.Error(), "Failed to load plugin library 'absent'") {
		t.Errorf("absent: %v", err)
	}
}

// module:load_resource reads a file beside the module as io.open would
// give it, and never writes.
func TestModuleLoadResource(t *testing.T) {
	tr := newTestRuntime(t, "", nil)
	dir := tr.onDisk(t, map[string]string{
		"mod_res/mod_res.lua": `
function whole(p) local f, err = module:load_resource(p); if not f then return "nil " .. err end
	local s = f:read("*a"); f:close(); return s end
function lines() local f = assert(module:load_resource("data/list.txt")); local out = {}
	for l in f:lines() do out[#out+1] = l end; f:seek("set", 0)
	out[#out+1] = f:read(3) .. "|" .. f:read("*l") .. "|" .. tostring(f:read("*n")); f:close()
	return table.concat(out, ",") end
function write() local f, err = module:load_resource("data/list.txt", "w"); return tostring(f) .. " " .. err end`,
		"mod_res/data/list.txt": "one\ntwo\n42\n",
	})
	inst := tr.load(t, "res")
	if got, _ := callGlobal(inst, "whole", "data/list.txt"); got != "one\ntwo\n42\n" {
		t.Errorf("whole: %q", got)
	}
	if got, _ := callGlobal(inst, "whole", "./data/list.txt"); got != "one\ntwo\n42\n" {
		t.Errorf("whole ./: %q", got)
	}
	if got, _ := callGlobal(inst, "whole", filepath.ToSlash(filepath.Join(dir, "mod_res/data/list.txt"))); got != "one\ntwo\n42\n" {
		t.Errorf("absolute: %q", got)
	}
	if got, _ := callGlobal(inst, "whole", "data/none.txt"); !strings.HasPrefix(got, "nil data/none.txt: ") {
		t.Errorf("missing: %q", got)
	}
	if got, _ := callGlobal(inst, "lines"); got != "one,two,42,one||nil" {
		t.Errorf("lines: %q", got)
	}
	if got, _ := callGlobal(inst, "write"); !strings.HasPrefix(got, "nil data/list.txt: module:load_resource only reads") {
		t.Errorf("write: %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "mod_res/data/list.txt")); string(b) != "one\ntwo\n42\n" {
		t.Errorf("the file changed: %q", b)
	}
}
