package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moonport/moonport/internal/testenv"
)

func openSQLTest(t *testing.T, p SQLParams) *SQL {
	t.Helper()
	s, err := OpenSQL(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteParams(t *testing.T) SQLParams {
	return SQLParams{Engine: SQLite3, Database: filepath.Join(t.TempDir(), "prosody.sqlite"), ManageTables: true}
}

func openTestSQLite(t *testing.T) *SQL { return openSQLTest(t, sqliteParams(t)) }

func pgParams(srv *testenv.PostgresServer, db string) SQLParams {
	return SQLParams{Engine: PostgreSQL, Database: db, Host: srv.Host, Port: srv.Port,
		Username: srv.User, Password: srv.Password, ManageTables: true}
}

// openTestPostgres is a driver on a new, empty database of srv.
func openTestPostgres(t *testing.T, srv *testenv.PostgresServer) *SQL {
	t.Helper()
	return openSQLTest(t, pgParams(srv, srv.NewDatabase(t)))
}

// rawRows is the "prosody" table's rows as text, sorted.
func rawRows(t *testing.T, s *SQL, table string, cols string) []string {
	t.Helper()
	rows, err := s.db.Query(`SELECT ` + cols + ` FROM "` + table + `" ORDER BY 1, 2, 3, 4`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := len(strings.Split(cols, ","))
	var out []string
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// The rows are the ones mod_storage_sql writes: one per string key with
// its type, the other keys together as util.json in the "" row.
func TestSQLRowsInProsodyLayout(t *testing.T) {
	s := openTestSQLite(t)
	st, _ := s.Open("a.example", "accounts")
	err := st.Set("alice", tbl([]any{"first"}, map[any]any{
		"password": "secret", "n": 3.0, "ok": true, "roster": tbl(nil, map[any]any{"bob": tbl(nil, map[any]any{"name": "Bob"})}), 2.5: "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a.example alice accounts  json {"__hash":[2.5,"x"],"__array":["first"]}`,
		`a.example alice accounts n number 3`,
		`a.example alice accounts ok boolean true`,
		`a.example alice accounts password string secret`,
		`a.example alice accounts roster json {"bob":{"name":"Bob"}}`,
	}
	got := rawRows(t, s, "prosody", `"host"," "||"user"," "||"store"," "||"key"," "||"type"," "||"value"`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	a, _ := s.OpenArchive("a.example", "log")
	if _, err := a.Append("alice", "id1", "hello", 1700000000, "bob@b.example"); err != nil {
		t.Fatal(err)
	}
	got = rawRows(t, s, "prosodyarchive", `"sort_id"," "||"host"," "||"user"," "||"store"," "||"key"," "||"when"," "||"with"," "||"type"," "||"value"`)
	if w := `1 a.example alice log id1 1700000000 bob@b.example string hello`; len(got) != 1 || got[0] != w {
		t.Errorf("archive rows %q, want %q", got, w)
	}
}

// Rows as Prosody writes them read back, whatever their key order or
// number form.
func TestSQLReadsProsodyRows(t *testing.T) {
	s := openTestSQLite(t)
	for _, r := range [][3]string{
		{"", "json", `{"__hash":[1.5,"x"],"__array":[1,{"a":[]}],"z":"from the extra row"}`},
		{"count", "number", "42.0"},
		{"flag", "boolean", "false"},
		{"name", "string", "Alice"},
		{"stanza", "xml", `<presence xmlns='jabber:client' from='a@b'><show>away</show></presence>`},
	} {
		if _, err := s.db.Exec(`INSERT INTO "prosody" VALUES ('h','alice','s',?,?,?)`, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s.Open("h", "s")
	show := tbl([]any{"away"}, map[any]any{"name": "show", "attr": tbl(nil, nil)})
	wantValue(t, st, "alice", tbl([]any{1.0, tbl(nil, map[any]any{"a": tbl(nil, nil)})}, map[any]any{
		1.5: "x", "z": "from the extra row", "count": 42.0, "flag": false, "name": "Alice",
		"stanza": &Stanza{Tree: tbl([]any{show}, map[any]any{"name": "presence", "attr": tbl(nil, map[any]any{"xmlns": "jabber:client", "from": "a@b"})})},
	}))
	if _, err := s.db.Exec(`INSERT INTO "prosody" VALUES ('h','bob','s','n','number','many')`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get("bob"); err == nil || !strings.Contains(err.Error(), `invalid number "many"`) {
		t.Errorf("a bad row gave %v", err)
	}
}

func TestSQLKeyvalKeepsOnlyTables(t *testing.T) {
	st, _ := openTestSQLite(t).Open("h", "s")
	if err := st.Set("alice", "a string"); err == nil || !strings.Contains(err.Error(), "keeps tables") {
		t.Errorf("Set of a string: %v", err)
	}
}

func TestSQLMissingTables(t *testing.T) {
	p := sqliteParams(t)
	p.ManageTables = false
	_, err := OpenSQL(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "sql_manage_tables = true") ||
		!strings.Contains(err.Error(), `"prosody", "prosodyarchive"`) || !strings.Contains(err.Error(), p.Database) {
		t.Fatalf("OpenSQL without tables: %v", err)
	}
	p.ManageTables = true
	openSQLTest(t, p)
	openSQLTest(t, p) // making them again is a no-op
	p.ManageTables = false
	openSQLTest(t, p)
}

// Check writes and reads a probe and leaves nothing behind; on a closed
// database it fails.
func TestSQLCheck(t *testing.T) {
	s := openTestSQLite(t)
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows := rawRows(t, s, "prosody", `"host","user","store","key"`); len(rows) != 0 {
		t.Errorf("Check left %q", rows)
	}
	p := sqliteParams(t)
	closed := openSQLTest(t, p)
	closed.Close()
	if err := closed.Check(context.Background()); err == nil || !strings.Contains(err.Error(), p.Database) {
		t.Errorf("Check of a closed database: %v", err)
	}
}

func TestSQLStores(t *testing.T) {
	s := openTestSQLite(t)
	kv, _ := s.Open("a.example", "accounts")
	kv.Set("alice", tbl(nil, map[any]any{"a": 1.0}))
	kv.Set("bob", tbl(nil, map[any]any{"a": 1.0, "b": 2.0}))
	kv.Set("", tbl(nil, map[any]any{"a": 1.0})) // the host's own: no user
	other, _ := s.Open("b.example", "roster")
	other.Set("carol", tbl(nil, map[any]any{"a": 1.0}))
	a, _ := s.OpenArchive("a.example", "log")
	a.Append("alice", "", "x", 1, "")
	a.Append("alice", "", "y", 2, "")
	got, err := s.Stores("a.example")
	want := []StoreInfo{{"a.example", "accounts", KindKeyval, 2}, {"a.example", "log", KindArchive, 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Stores(a.example) = %+v, %v", got, err)
	}
	if all, _ := s.Stores(""); len(all) != 3 || all[2].Host != "b.example" {
		t.Errorf("Stores() = %+v", all)
	}
}

func TestSQLRebind(t *testing.T) {
	pg := &SQL{params: SQLParams{Engine: PostgreSQL}}
	q := `SELECT "a?" FROM t WHERE x=? AND y='?' AND z IN (?,?)`
	if got, want := pg.rebind(q), `SELECT "a?" FROM t WHERE x=$1 AND y='?' AND z IN ($2,$3)`; got != want {
		t.Errorf("rebind = %s, want %s", got, want)
	}
	if got := (&SQL{params: SQLParams{Engine: SQLite3}}).rebind(q); got != q {
		t.Errorf("SQLite query changed: %s", got)
	}
}

// Values with quotes, backslashes and spaces reach pgx unchanged.
func TestSQLConninfoQuoting(t *testing.T) {
	for _, v := range []string{"plain", "with space", `it's`, `back\slash`, `'\'`, "/var/run/postgresql"} {
		cfg, err := pgx.ParseConfig("dbname=" + quoteConninfo(v) + " user=" + quoteConninfo(v))
		if err != nil || cfg.Database != v || cfg.User != v {
			t.Errorf("%q came through as %q/%q, %v", v, cfg.Database, cfg.User, err)
		}
	}
}

// On SQLite a reader does not wait for a writer's open transaction (WAL,
// and reads start DEFERRED): Get answers while another connection holds
// the write lock, well within a short timeout.
func TestSQLiteReadersDoNotWaitForWriters(t *testing.T) {
	p := sqliteParams(t)
	p.Timeout = 500 * time.Millisecond
	s := openSQLTest(t, p)
	st, _ := s.Open("h", "s")
	if err := st.Set("alice", tbl(nil, map[any]any{"n": 1.0})); err != nil {
		t.Fatal(err)
	}
	writer, err := s.db.BeginTx(context.Background(), nil) // IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback()
	if _, err := writer.Exec(`DELETE FROM "prosody"`); err != nil {
		t.Fatal(err)
	}
	wantValue(t, st, "alice", tbl(nil, map[any]any{"n": 1.0}))
	if err := st.Set("bob", tbl(nil, map[any]any{"n": 1.0})); err == nil {
		t.Error("a second writer got in while the first held the lock")
	}
}

func TestSQLiteMissingFolder(t *testing.T) {
	p := SQLParams{Engine: SQLite3, Database: filepath.Join(t.TempDir(), "nope", "prosody.sqlite"), ManageTables: true}
	if _, err := OpenSQL(context.Background(), p); err == nil || !strings.Contains(err.Error(), "nope of the database file does not exist") {
		t.Errorf("OpenSQL in a missing folder: %v", err)
	}
}

// SQLite keeps any bytes, as Prosody's SQLite storage does.
func TestSQLiteKeepsBytes(t *testing.T) {
	st, _ := openTestSQLite(t).Open("h", "s")
	v := tbl([]any{"\xff\x00\x01"}, map[any]any{"k": "\x00\xfe", "\xff": "key"})
	if err := st.Set("alice", v); err != nil {
		t.Fatal(err)
	}
	wantValue(t, st, "alice", v)
}

// A database path may hold spaces and URL characters.
func TestSQLiteOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data %41 #1 ?x=y")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := SQLParams{Engine: SQLite3, Database: filepath.Join(dir, "prosody.sqlite"), ManageTables: true}
	st, _ := openSQLTest(t, p).Open("h", "s")
	if err := st.Set("alice", tbl(nil, map[any]any{"k": "v"})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Database); err != nil {
		t.Errorf("the database is not where asked: %v", err)
	}
}

// BenchmarkSQLiteKeyval is one map write and one keyval read of a user
// with a few keys, on a SQLite file.
func BenchmarkSQLiteKeyval(b *testing.B) {
	s, err := OpenSQL(context.Background(), SQLParams{Engine: SQLite3, Database: filepath.Join(b.TempDir(), "db.sqlite"), ManageTables: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	st, _ := s.Open("h", "s")
	st.Set("alice", tbl([]any{1.0}, map[any]any{"a": "x", "b": 2.0, "c": tbl(nil, map[any]any{"d": true})}))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.SetKeys("alice", map[string]any{"n": float64(i)}); err != nil {
			b.Fatal(err)
		}
		if _, err := st.Get("alice"); err != nil {
			b.Fatal(err)
		}
	}
}

// A driver's message over several lines (pgx: one per connection
// attempt, often the same twice) is one line, each line once.
func TestSQLErrorOneLine(t *testing.T) {
	s := &SQL{params: SQLParams{Engine: PostgreSQL, Database: "d", Password: "pw"}}
	err := s.wrap(errors.New("failed to connect:\n\t1.2.3.4: refused (pw)\n\t1.2.3.4: refused (pw)\n"))
	want := `storage sql (PostgreSQL database "d" on localhost port 5432): failed to connect: 1.2.3.4: refused (********)`
	var e *SQLError
	if err.Error() != want || !errors.As(err, &e) || strings.Contains(errors.Unwrap(err).Error(), "pw") {
		t.Errorf("got %q (unwrapped %v), want %q", err, errors.Unwrap(err), want)
	}
	if e.Cause() != "failed to connect: 1.2.3.4: refused (********)" {
		t.Errorf("cause %q", e.Cause())
	}
}
