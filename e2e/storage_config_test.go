package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// tableCounter is storeCounter with a table for a value, as Prosody's
// SQL storage keeps keyval data.
const tableCounter = `
local visits = module:open_store("visits")
local n = (visits:get(nil) or { n = 0 }).n + 1
assert(visits:set(nil, { n = n }))
module:log("info", "store-test load %d", n)
`

// The storage options with the real binary: a bad sql option refuses to
// start (exit 1, naming file, line, option and value); at a reload it is
// logged and the running config goes on; module data in SQLite outlives
// reloads and a restart.
func TestStorageConfigSQLite(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "moonport.log")
	mod := filepath.Join(dir, "mod_counter.lua")
	if err := os.WriteFile(mod, []byte(tableCounter), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	console := testenv.FreePort(t, "tcp")
	config := func(sql string) {
		t.Helper()
		body := fmt.Sprintf("plugin_paths = { %q }\nrun_as_root = true\nreload_on_change = false\n"+
			"log = { { to = \"file\", filename = %q } }\ndata_path = %q\nstorage = \"sql\"\nsql = %s\n"+
			"modules_enabled = { \"admin_telnet\" }\nlocal_interfaces = { \"127.0.0.1\" }\nconsole_ports = { %d }\n"+
			"VirtualHost \"a.example\"\nmodules_enabled = { \"counter\" }\n", dir, logFile, dir, sql, console)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const good, bad = `{ driver = "SQLite3", database = "moonport.sqlite" }`, `{ driver = "MySQL", database = "prosody" }`
	const badMessage = `:7: sql = { database = "prosody", driver = "MySQL" }: driver "MySQL" is one of Prosody's but not moonport's: write driver = "SQLite3" (a database file) or driver = "PostgreSQL"`

	config(bad)
	refused := testenv.Start(t, bin, testenv.Config(cfg))
	if code := refused.Wait(30 * time.Second); code != 1 || !strings.Contains(refused.Output(), cfg+badMessage) {
		t.Fatalf("starting with a bad sql option: exit %d\n%s\nwant exit 1 and %q", code, refused.Output(), badMessage)
	}

	config(good)
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "store-test load 1", 1)
	if _, err := os.Stat(filepath.Join(dir, "moonport.sqlite")); err != nil {
		t.Fatalf("the SQLite database in data_path: %v", err)
	}
	config(bad)
	os.WriteFile(mod, []byte(tableCounter+"-- a new version\n"), 0o644)
	cmd.Signal(syscall.SIGHUP)
	if log := waitLog(t, logFile, "Reload (SIGHUP) failed, still running the previous config: "+cfg+":7: sql = ", 1); !strings.Contains(log, "is one of Prosody's but not moonport's") {
		t.Errorf("the failed reload's log:\n%s", log)
	}
	config(good)
	cmd.Signal(syscall.SIGHUP)
	waitLog(t, logFile, "store-test load 2", 1) // the process went on, its data in SQLite

	cmd.Signal(syscall.SIGTERM)
	cmd.Wait(20 * time.Second)
	testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "store-test load 3", 1)

	// The console lists the store, as the docs show it.
	testenv.WaitListening(t, console, loopback(console))
	if out := moonportShell(t, bin, cfg, "storage:stores()"); !strings.Contains(out, "a.example  visits  sql     keyval  0") || !strings.Contains(out, "OK: 1 store(s)") {
		t.Errorf("storage:stores():\n%s", out)
	}

	// moonport check storage opens the database and writes a probe row
	// in a transaction it rolls back.
	code, report := runCheck(t, bin, dir, "storage", "--config", cfg)
	if want := "PASS  storage sql (SQLite3 database " + filepath.Join(dir, "moonport.sqlite") + ", for *, a.example) is reachable and writable"; code != 0 || !strings.Contains(report, want) {
		t.Errorf("check storage: exit %d\n%s\nwant %q", code, report, want)
	}
}
