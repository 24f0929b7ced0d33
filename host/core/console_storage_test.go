package core

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// storage:stores() through the real console lists each host's stores
// holding data with their driver, type and users: files (internal),
// memory, and SQLite (sql); a global module's store is under "*";
// storage:stores(host) lists one host's.
func TestConsoleStores(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	console := freePort(t)
	writer := `
module:open_store("notes"):set("alice", { n = 1 })
module:open_store("notes"):set("bob", { n = 2 })
module:open_store("marks", "map"):set("carol", "k", true)
module:open_store("visits"):set("dave", 1)
`
	global := `module:set_global()
module:open_store("counters"):set("erin", 1)
`
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "admin_telnet", "global_writer" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_password = "hunter2hunter2"
data_path = "data"
storage = { notes = "sql", marks = "memory" }
sql = { driver = "SQLite3", database = "moonport.sqlite" }
VirtualHost "a.example"
	modules_enabled = { "writer" }
`, shipped, console), map[string]string{"writer": writer, "global_writer": global})
	s := openConsole(t, console, "hunter2hunter2")
	s.ok("help", "storage")
	s.ok("help storage", "storage:stores(host)")
	out := s.ok("storage:stores()", "4 store(s)")
	want := []string{
		"HOST       STORE     DRIVER    TYPE    USERS",
		"*          counters  internal  keyval  1",
		"a.example  marks     memory    keyval  1",
		"a.example  notes     sql       keyval  2",
		"a.example  visits    internal  keyval  1",
	}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("storage:stores():\n%s\nwant:\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
	out = s.ok(`storage:stores("a.example")`, "3 store(s)")
	if len(out) != 4 || strings.Contains(strings.Join(out, "\n"), "counters") {
		t.Errorf("storage:stores(a.example):\n%s", strings.Join(out, "\n"))
	}
}
