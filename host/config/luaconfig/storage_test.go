package luaconfig

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/storage"
)

const cfgPath = "/etc/moonport/prosody.cfg.lua"

func storageOf(t *testing.T, src string) config.StorageOptions {
	t.Helper()
	s, err := Evaluate(cfgPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s.Options.Storage
}

// TestStorageDefaults: no storage options is Prosody's default: internal
// files, and sql (if asked for) SQLite's prosody.sqlite in data_path.
func TestStorageDefaults(t *testing.T) {
	o := storageOf(t, "")
	c := o.For("any.example")
	if c.Backend("accounts") != storage.BackendInternal || o.Timeout != 5*time.Second {
		t.Errorf("backend %v timeout %v", c.Backend("accounts"), o.Timeout)
	}
	want := storage.SQLParams{Engine: storage.SQLite3, Database: "/etc/moonport/prosody.sqlite", ManageTables: true, Timeout: 5 * time.Second}
	if c.SQL != want {
		t.Errorf("sql %+v, want %+v", c.SQL, want)
	}
	if got := o.For("x").SQL; got != want {
		t.Errorf("sql %+v", got)
	}
}

// TestArchiveItemLimit: storage_archive_item_limit per host (else the
// global one), else each driver's default as Prosody's: internal 10000,
// memory 1000, sql none.
func TestArchiveItemLimit(t *testing.T) {
	o := storageOf(t, "storage_archive_item_limit = 50\nVirtualHost \"a.example\"\n\tstorage_archive_item_limit = 7\nVirtualHost \"b.example\"")
	for _, c := range []struct {
		host string
		b    storage.Backend
		want int
	}{{"a.example", storage.BackendSQL, 7}, {"b.example", storage.BackendInternal, 50}, {"*", storage.BackendMemory, 50}} {
		if got := o.For(c.host).ArchiveLimit(c.b); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.host, c.b, got, c.want)
		}
	}
	d := storageOf(t, "").For("x")
	for b, want := range map[storage.Backend]int{storage.BackendInternal: 10000, storage.BackendMemory: 1000, storage.BackendSQL: 0, storage.BackendNull: 0} {
		if got := d.ArchiveLimit(b); got != want {
			t.Errorf("default %s: %d, want %d", b, got, want)
		}
	}
}

// TestStorageChoice: storage as one name, as a table by store, with
// default_storage for the rest, each host falling back to the global
// section as in Prosody.
func TestStorageChoice(t *testing.T) {
	s, err := Evaluate(cfgPath, []byte(`
data_path = "/var/lib/moonport"
storage = { archive = "sql", roster = "null" }
default_storage = "memory"
sql = { driver = "SQLite3", database = "db/main.sqlite" }
sql_manage_tables = false
storage_timeout = 0.5
VirtualHost "a.example"
	storage = "sql"
	sql = { driver = "PostgreSQL", database = "prosody", host = "127.0.0.1", port = 5433, username = "u", password = "p" }
VirtualHost "b.example"
`))
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options.Storage
	g := o.For("*")
	for store, want := range map[string]storage.Backend{"archive": storage.BackendSQL, "roster": storage.BackendNull, "other": storage.BackendMemory} {
		if got := g.Backend(store); got != want {
			t.Errorf("global %s: %v, want %v", store, got, want)
		}
		if got := o.For("b.example").Backend(store); got != want {
			t.Errorf("b.example %s: %v, want %v", store, got, want)
		}
		if got := o.For("a.example").Backend(store); got != storage.BackendSQL {
			t.Errorf("a.example %s: %v", store, got)
		}
	}
	lite := storage.SQLParams{Engine: storage.SQLite3, Database: "/var/lib/moonport/db/main.sqlite", Timeout: 500 * time.Millisecond}
	pg := storage.SQLParams{Engine: storage.PostgreSQL, Database: "prosody", Host: "127.0.0.1", Port: 5433, Username: "u", Password: "p", Timeout: 500 * time.Millisecond}
	if g.SQL != lite || o.For("a.example").SQL != pg || o.Timeout != 500*time.Millisecond {
		t.Errorf("sql %+v / %+v, timeout %v", g.SQL, o.For("a.example").SQL, o.Timeout)
	}
	uses := o.SQLUses(s)
	if len(uses) != 2 || uses[0].Params != lite || strings.Join(uses[0].Hosts, ",") != "*,b.example" ||
		uses[1].Params != pg || strings.Join(uses[1].Hosts, ",") != "a.example" {
		t.Errorf("SQLUses %+v", uses)
	}
}

// TestStorageErrors: a driver moonport lacks, a bad sql table: the
// config stops, naming file, line, option and value and what to write;
// never the password.
func TestStorageErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`storage = "xmlarchive"`, `prosody.cfg.lua:2: storage = "xmlarchive": moonport has no storage driver "xmlarchive" (it loads no storage modules); write "internal"`},
		{`storage = "sql2"`, `:2: storage = "sql2": "sql2" is the old name of "sql": write "sql"`},
		{`storage = 3`, `:2: storage = 3: expected a driver name such as "sql", or a table of them by store`},
		{`storage = { archive = "ldap" }`, `:2: storage = { archive = "ldap" }: store archive: moonport has no storage driver "ldap"`},
		{`storage = { "sql" }`, `not a list`},
		{`default_storage = "sqlite"`, `:2: default_storage = "sqlite": moonport has no storage driver "sqlite"`},
		{`sql = { driver = "MySQL", database = "p", password = "hunter2" }`, `:2: sql = { database = "p", driver = "MySQL", password = "********" }: driver "MySQL" is one of Prosody's but not moonport's: write driver = "SQLite3" (a database file) or driver = "PostgreSQL"`},
		{`sql = { driver = "Postgres" }`, `driver "Postgres": write driver = "SQLite3"`},
		{`sql = { driver = "PostgreSQL" }`, `PostgreSQL needs the database's name: write database = "prosody"`},
		{`sql = { database = "x" }`, `the driver is missing: write driver = "SQLite3"`},
		{`sql = { driver = "SQLite3", file = "x" }`, `unknown field ["file"]: sql has the fields driver, database, host, port, username and password`},
		{`sql = { driver = "PostgreSQL", database = "p", port = "5432" }`, `field port is "5432": expected a port number from 1 to 65535, such as port = 5432`},
		{`sql = { driver = "PostgreSQL", database = 5 }`, `field database is a number: expected a string`},
		{`sql = "sqlite"`, `:2: sql = "sqlite": expected a table such as { driver = "SQLite3"`},
		{`sql_manage_tables = "yes"`, `sql_manage_tables = "yes": expected true or false`},
		{`storage_timeout = 0`, `storage_timeout = 0: expected a number of seconds from 0.001 to 3600`},
		{`storage_archive_item_limit = 0`, `storage_archive_item_limit = 0: expected a whole number of items from 1 to 2147483648`},
		{`storage_archive_item_limit = "many"`, `storage_archive_item_limit = "many": expected a number (a whole number of items from 1 to 2147483648), not a string`},
		{"VirtualHost \"h.example\"\n\tstorage = \"mysql\"", `:3: storage = "mysql": moonport has no storage driver "mysql"`},
	} {
		_, err := Evaluate(cfgPath, []byte("\n"+tc.src+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.src, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the password shows: %v", tc.src, err)
		}
	}
}

// TestStorageErrorsAsDocumented: each error docs/storage.md quotes is the
// one moonport gives for the config line it shows, word for word.
func TestStorageErrorsAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/storage.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)`password` hidden:\n\n```\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/storage.md's block of config errors is gone")
	}
	line := regexp.MustCompile(`^prosody\.cfg\.lua:(\d+): (\w+ = (?:"[^"]*"|\{[^}]*\})): `)
	for _, quoted := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		m := line.FindStringSubmatch(quoted)
		if m == nil {
			t.Errorf("not an error line this test can replay: %q", quoted)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		_, err := Evaluate(cfgPath, []byte(strings.Repeat("\n", n-1)+m[2]+"\n"))
		if err == nil || !strings.HasSuffix(err.Error(), "/"+quoted) {
			t.Errorf("config line %d %s: got %v, docs/storage.md says %q", n, m[2], err, quoted)
		}
	}
}

// TestStorageConfigAsDocumented: docs/storage.md's example config reads
// as its comment says: SQLite in data_path, shared.example on PostgreSQL.
func TestStorageConfigAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/storage.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Configuration\n.*?```lua\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/storage.md's Configuration has no Lua example")
	}
	o := storageOf(t, string(block[1]))
	if g := o.For("*"); g.Backend("notes") != storage.BackendSQL || g.SQL.Engine != storage.SQLite3 || g.SQL.Database != "/var/lib/moonport/moonport.sqlite" {
		t.Errorf("global: %v %+v", g.Backend("notes"), g.SQL)
	}
	want := storage.SQLParams{Engine: storage.PostgreSQL, Database: "moonport", Host: "127.0.0.1", Port: 5432, Username: "moonport", Password: "secret", ManageTables: true, Timeout: 5 * time.Second}
	if h := o.For("shared.example"); h.Backend("notes") != storage.BackendSQL || h.SQL != want {
		t.Errorf("shared.example: %v %+v", h.Backend("notes"), h.SQL)
	}
}

// TestAccountsConfigAsDocumented: docs/storage.md's Accounts example
// keeps example.com's accounts in the SQLite file its comment names.
func TestAccountsConfigAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/storage.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Accounts\n.*?```lua\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/storage.md's Accounts has no Lua example")
	}
	c := storageOf(t, string(block[1])).For("example.com")
	if c.Backend("accounts") != storage.BackendSQL || c.SQL.Engine != storage.SQLite3 || c.SQL.Database != "/var/lib/moonport/prosody.sqlite" {
		t.Errorf("accounts on %v %+v", c.Backend("accounts"), c.SQL)
	}
}
