package storage

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// Two drivers on one PostgreSQL database (two moonport instances) see
// each other's writes, and start together without tripping over the
// making of the tables.
func TestSQLPostgresSharedByTwo(t *testing.T) {
	srv := testenv.Postgres(t)
	p := pgParams(srv, srv.NewDatabase(t))
	drivers := make([]*SQL, 4)
	errs := make([]error, len(drivers))
	var wg sync.WaitGroup
	for i := range drivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			drivers[i], errs[i] = OpenSQL(context.Background(), p)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		t.Cleanup(func() { drivers[i].Close() })
	}
	one, _ := drivers[0].Open("a.example", "counters")
	two, _ := drivers[1].Open("a.example", "counters")
	if err := one.SetKeys("alice", map[string]any{"hits": 1.0}); err != nil {
		t.Fatal(err)
	}
	if v, err := two.GetKey("alice", "hits"); err != nil || v != 1.0 {
		t.Errorf("the other instance reads %v, %v", v, err)
	}
	a1, _ := drivers[2].OpenArchive("a.example", "log")
	a2, _ := drivers[3].OpenArchive("a.example", "log")
	k, _ := a1.Append("alice", "", "from one", 1, "")
	if items, _, err := a2.Find("alice", NewQuery()); err != nil || len(items) != 1 || items[0].Key != k {
		t.Errorf("the other instance finds %+v, %v", items, err)
	}
}

// Many goroutines writing at once (several drivers on one SQLite file,
// as several processes would) get no SQLITE_BUSY and lose no write.
func TestSQLConcurrentWriters(t *testing.T) {
	p := sqliteParams(t)
	t.Run("sqlite", func(t *testing.T) {
		hammer(t, openSQLTest(t, p), openSQLTest(t, p))
	})
	t.Run("postgresql", func(t *testing.T) {
		srv := testenv.Postgres(t)
		pp := pgParams(srv, srv.NewDatabase(t))
		hammer(t, openSQLTest(t, pp), openSQLTest(t, pp))
	})
}

func hammer(t *testing.T, drivers ...*SQL) {
	const workers, rounds = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := drivers[w%len(drivers)]
			st, _ := d.Open("h", "m")
			a, _ := d.OpenArchive("h", "log")
			for r := 0; r < rounds; r++ {
				key := fmt.Sprintf("w%d-r%d", w, r)
				// The key "" is read, changed and written back in one
				// transaction: two of those must not deadlock.
				if err := st.SetKeys("shared", map[string]any{key: float64(r), "": key}); err != nil {
					errs <- err
				}
				if _, err := a.Append("shared", "", key, float64(r), ""); err != nil {
					errs <- err
				}
				// Every worker writes the same key and the same item: one
				// row each must remain.
				if err := st.SetKeys("shared", map[string]any{"same": key}); err != nil {
					errs <- err
				}
				if _, err := a.Append("shared", "same", key, 0, ""); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, _ := drivers[0].Open("h", "m")
	v, err := st.Get("shared")
	if n := len(v.(interface{ Keys() []any }).Keys()); err != nil || n != workers*rounds+2 {
		t.Errorf("%d keys, %v; want %d", n, err, workers*rounds+2)
	}
	a, _ := drivers[0].OpenArchive("h", "log")
	if _, total, err := a.Find("shared", query(func(q *Query) { q.Total = true; q.Limit = 0 })); err != nil || total != workers*rounds+1 {
		t.Errorf("%d items, %v; want %d", total, err, workers*rounds+1)
	}
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT COUNT(*) FROM "prosody" WHERE "key" IN ('same', '')`, 2},
		{`SELECT COUNT(*) FROM "prosodyarchive" WHERE "key"='same'`, 1},
	} {
		var n int
		if err := drivers[0].db.QueryRow(c.q).Scan(&n); err != nil || n != c.want {
			t.Errorf("%s = %d, %v; want %d", c.q, n, err, c.want)
		}
	}
}

// A PostgreSQL outage gives errors (within the timeout, naming the
// database but not the password) and the calls work again once it is
// back, without reopening anything.
func TestSQLPostgresOutage(t *testing.T) {
	srv := testenv.Postgres(t)
	p := pgParams(srv, srv.NewDatabase(t))
	p.Timeout = 2 * time.Second
	s := openSQLTest(t, p)
	st, _ := s.Open("h", "s")
	if err := st.Set("alice", tbl(nil, map[any]any{"n": 1.0})); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for _, call := range []func() error{
		func() error { _, err := st.Get("alice"); return err },
		func() error { return st.Set("alice", tbl(nil, map[any]any{"n": 2.0})) },
		func() error { return s.Check(context.Background()) },
	} {
		start := time.Now()
		err := call()
		if err == nil {
			t.Fatal("a call during the outage succeeded")
		}
		if took := time.Since(start); took > p.Timeout+time.Second {
			t.Errorf("the call took %v, past the %v timeout", took, p.Timeout)
		}
		if msg := err.Error(); !strings.Contains(msg, `PostgreSQL database "`+p.Database+`"`) || strings.Contains(msg, p.Password) {
			t.Errorf("error does not name the database, or shows the password: %s", msg)
		}
	}
	srv.Start()
	if err := st.Set("alice", tbl(nil, map[any]any{"n": 3.0})); err != nil {
		t.Fatalf("a write after the restart: %v", err)
	}
	wantValue(t, st, "alice", tbl(nil, map[any]any{"n": 3.0}))
	if err := s.Check(context.Background()); err != nil {
		t.Errorf("Check after the restart: %v", err)
	}
}

// A server that accepts connections and never answers gives an error
// within the timeout, not a hang.
func TestSQLPostgresSilentServer(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() { // owned by this test: ends when l is closed
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		l.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	}()
	p := SQLParams{Engine: PostgreSQL, Database: "db", Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port,
		Username: "u", Password: "hunter2-secret", Timeout: 500 * time.Millisecond, ManageTables: true}
	start := time.Now()
	_, err = OpenSQL(context.Background(), p)
	if err == nil {
		t.Fatal("OpenSQL of a silent server succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("OpenSQL took %v with a 500ms timeout", took)
	}
	if strings.Contains(err.Error(), p.Password) || !strings.Contains(err.Error(), `PostgreSQL database "db"`) {
		t.Errorf("error: %v", err)
	}
}

// Connecting: the host may be the folder of the server's Unix socket; a
// wrong password is an error naming the database, never the password.
func TestSQLPostgresConnecting(t *testing.T) {
	srv := testenv.Postgres(t)
	t.Run("unix socket", func(t *testing.T) {
		p := pgParams(srv, srv.Database)
		p.Host = srv.Socket
		if err := openSQLTest(t, p).Check(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		p := pgParams(srv, srv.Database)
		p.Password = "not-the-password"
		_, err := OpenSQL(context.Background(), p)
		if err == nil || strings.Contains(err.Error(), p.Password) || !strings.Contains(err.Error(), "password authentication failed") ||
			!strings.Contains(err.Error(), `PostgreSQL database "moonport"`) {
			t.Errorf("OpenSQL with a wrong password: %v", err)
		}
	})
	t.Run("text that is not UTF-8", func(t *testing.T) {
		s := openTestPostgres(t, srv)
		st, _ := s.Open("h", "s")
		for _, v := range []string{"\xff\xfe", "nul\x00byte"} {
			err := st.Set("alice", tbl(nil, map[any]any{"k": v}))
			if err == nil || !strings.Contains(err.Error(), "not UTF-8 text") || !strings.Contains(err.Error(), "base64") {
				t.Errorf("Set of %q: %v", v, err)
			}
		}
		if err := st.Set("alice", tbl(nil, map[any]any{"k": "ünïcode ✓"})); err != nil {
			t.Error(err)
		}
	})
	t.Run("missing tables", func(t *testing.T) {
		p := pgParams(srv, srv.NewDatabase(t))
		p.ManageTables = false
		if _, err := OpenSQL(context.Background(), p); err == nil || !strings.Contains(err.Error(), "sql_manage_tables = true") {
			t.Errorf("OpenSQL without tables: %v", err)
		}
		p.ManageTables = true
		openSQLTest(t, p)
		p.ManageTables = false
		openSQLTest(t, p)
	})
}
