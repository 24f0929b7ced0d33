package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// `moonport check storage` with the real binary: an SQLite file that can
// be made passes (and is not made), one under a file fails, a PostgreSQL that nothing
// listens for fails within storage_timeout; the internal data folder is
// checked too. Findings name engine, database and host, never the
// password.
func TestCheckStorage(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	blocker := filepath.Join(dir, "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	pg := testenv.FreePort(t, "tcp")
	for _, c := range []struct {
		name, cfg string
		code      int
		want      string
	}{
		{"sqlite", `storage = "sql"
sql = { driver = "SQLite3", database = "db.sqlite" }`, 0,
			"PASS  storage sql (SQLite3 database " + filepath.Join(dir, "data", "db.sqlite") + ", for *) does not exist yet; it is made at the first store call (its folder is writable)"},
		{"sqlite-unwritable", `storage = "sql"
sql = { driver = "SQLite3", database = "` + blocker + `/db.sqlite" }`, 1,
			"FAIL  storage sql (SQLite3 database " + blocker + "/db.sqlite, for *): the file cannot be made: its folder " + blocker + " is not a folder"},
		{"postgresql-down", fmt.Sprintf(`storage_timeout = 3
storage = { notes = "sql" }
sql = { driver = "PostgreSQL", database = "prosody", host = "127.0.0.1", port = %d, username = "moon", password = "hunter2" }`, pg), 1,
			fmt.Sprintf("FAIL  storage sql (PostgreSQL database prosody on 127.0.0.1:%d as moon, for *): ", pg)},
		{"internal", ``, 0, "PASS  storage internal: data folder " + filepath.Join(dir, "data") + " exists and is writable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.MkdirAll(filepath.Join(dir, "data"), 0o750)
			cfg := filepath.Join(dir, c.name+".cfg.lua")
			src := "data_path = \"data\"\n" + c.cfg + "\n"
			if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			code, out := runCheck(t, bin, dir, "storage", "--config", cfg)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, want %d; output:\n%s\nwant a line starting %q", code, c.code, out, c.want)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("the check took %s", took)
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "db.sqlite")); err == nil {
				t.Errorf("the check made the SQLite file")
			}
			if strings.Count(out, "storage sql (") > 1 || strings.Contains(out, "\n\t") {
				t.Errorf("the finding names the database twice or runs over several lines:\n%s", out)
			}
			if strings.Contains(out, "hunter2") {
				t.Errorf("the password shows:\n%s", out)
			}
		})
	}
}
