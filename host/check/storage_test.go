package check

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/storage"
)

type fakeDB struct{ err error }

func (d fakeDB) Check(context.Context) error { return d.err }
func (fakeDB) Close() error                  { return nil }

// Storage checks the data folder when a store is in internal and each
// database some host keeps a store in; the findings name the engine,
// database and hosts and never the password.
func TestStorageCheck(t *testing.T) {
	dir := t.TempDir()
	snap, err := luaconfig.Evaluate(filepath.Join(dir, "prosody.cfg.lua"), []byte(`
storage = { notes = "sql" }
sql = { driver = "PostgreSQL", database = "prosody", host = "127.0.0.1", port = 1, username = "u", password = "hunter2" }
VirtualHost "a.example"
	sql = { driver = "SQLite3", database = "a.sqlite" }
VirtualHost "m.example"
	storage = "memory"
`))
	if err != nil {
		t.Fatal(err)
	}
	open := func(_ context.Context, p storage.SQLParams) (Database, error) {
		if p.Engine == storage.PostgreSQL {
			return nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
		}
		return fakeDB{}, nil
	}
	r := Storage(context.Background(), snap, dir, open, time.Second)
	var lines []string
	for _, x := range r {
		lines = append(lines, x.Level.String()+" "+x.Message)
	}
	got := strings.Join(lines, "\n")
	want := strings.Join([]string{
		"PASS storage internal: data folder " + dir + " exists and is writable",
		"FAIL storage sql (PostgreSQL database prosody on 127.0.0.1:1 as u, for *): dial tcp 127.0.0.1:1: connection refused",
		"PASS storage sql (SQLite3 database " + filepath.Join(dir, "a.sqlite") + ", for a.example) is reachable and writable",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "hunter2") {
		t.Error("the password shows")
	}
	if r := dataFolder(filepath.Join(dir, "new", "data")); r.Worst() != Pass || !strings.Contains(r[0].Message, "does not exist yet") {
		t.Errorf("a data folder to make: %v", r)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if r := dataFolder(file); r.Worst() != Fail || !strings.Contains(r[0].Message, "is not a folder") {
		t.Errorf("a data folder that is a file: %v", r)
	}
}
