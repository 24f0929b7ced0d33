package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// docStoreModules make the stores docs/storage.md's console example
// lists: a global module's keyval store for one user (host "*", on
// internal), and a.example's archive of three users and keyval store of
// two, on sql.
var docStoreModules = map[string]string{
	"mod_doccounter.lua": `module:set_global()
assert(module:open_store("counters"):set("alice", { n = 1 }))
module:log("info", "doc store written")`,
	"mod_docnotes.lua": `local st = require "util.stanza"
local notes = module:open_store("notes")
assert(notes:set("alice", { text = "hi" }))
assert(notes:set("bob", { text = "ho" }))
local log = module:open_store("log", "archive")
for _, user in ipairs({ "alice", "bob", "carol" }) do
	assert(log:append(user, nil, st.message({ to = "x@example.com" }, "hi"), os.time(), "x@example.com"))
end
module:log("info", "doc store written")`,
}

// TestStorageStoresAsDocumented runs docs/storage.md's console command as
// written, from the folder of the server's prosody.cfg.lua (the default
// config), on the stores its example shows: the output is the doc's,
// line for line.
func TestStorageStoresAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/storage.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```\n\\$ (moonport shell [^\n]*)\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/storage.md has no console example")
	}
	dir := t.TempDir()
	for name, src := range docStoreModules {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	console := testenv.FreePort(t, "tcp")
	cfg := fmt.Sprintf(`plugin_paths = { "." }
run_as_root = true
data_path = "data"
log = { { to = "file", filename = "moonport.log" } }
storage = { log = "sql", notes = "sql" }
modules_enabled = { "admin_telnet", "doccounter" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
VirtualHost "a.example"
	modules_enabled = { "docnotes" }
`, console)
	if err := os.WriteFile(filepath.Join(dir, "prosody.cfg.lua"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := testenv.Binary(t)
	testenv.Start(t, bin, testenv.Args("run"), testenv.Dir(dir))
	waitLog(t, filepath.Join(dir, "moonport.log"), "doc store written", 2)
	testenv.WaitListening(t, console, loopback(console))
	shell := exec.Command("sh", "-c", string(block[1]))
	shell.Dir = dir
	shell.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	out, err := shell.CombinedOutput()
	if err != nil || string(out) != string(block[2]) {
		t.Errorf("%s: %v; output:\n%s\ndocs/storage.md shows:\n%s", block[1], err, out, block[2])
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "moonport.log")); strings.Contains(string(log), "level=error") {
		t.Errorf("the server logged an error:\n%s", log)
	}
}
