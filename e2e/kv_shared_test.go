package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// kvInstance is one moonport serving mod_kv (and mod_echo, to show the
// process serves while its store fails).
type kvInstance struct {
	kv, echo int
	log      string
}

// startKVInstances starts n moonports serving mod_kv, each on its own
// ports and data folder, all with the storage lines given, and waits
// until they serve.
func startKVInstances(t *testing.T, n int, storage string) []kvInstance {
	t.Helper()
	bin := testenv.Binary(t)
	var out []kvInstance
	for range n {
		ports := testenv.FreePorts(t, 2)
		in := kvInstance{kv: ports[0], echo: ports[1]}
		var cfg string
		cfg, in.log = kvConfig(t, in.kv, t.TempDir(), fmt.Sprintf("modules_enabled = { \"kv\", \"echo\" }\necho_ports = { %d }\n%s", in.echo, storage))
		testenv.Start(t, bin, testenv.Config(cfg))
		waitLog(t, in.log, "Activated service 'kv'", 1)
		waitLog(t, in.log, "Activated service 'echo'", 1)
		out = append(out, in)
	}
	return out
}

// kvShares checks that two instances on one database see each other's
// writes, deletions included, and that writes from both at once all
// land (each instance's copies and the two processes writing different
// keys of one store).
func kvShares(t *testing.T, a, b kvInstance) {
	t.Helper()
	kvSession(t, a.kv, "SET colour blue=OK", "SET shape round=OK")
	kvSession(t, b.kv, "GET colour=VALUE blue", "KEYS=KEYS colour shape", "SET colour red=OK", "DEL shape=OK")
	kvSession(t, a.kv, "GET colour=VALUE red", "GET shape=NOT_FOUND")
	var wg sync.WaitGroup
	want := []string{"KEYS", "colour"}
	errs := make(chan error, 6)
	for i, in := range []kvInstance{a, b} {
		for n := range 3 {
			c := testenv.DialLine(t, in.kv)
			var keys []string
			for k := range 10 {
				keys = append(keys, fmt.Sprintf("k%d%d%d", i, n, k))
			}
			want = append(want, keys...)
			wg.Go(func() { errs <- kvSetAll(c, keys) })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	kvSession(t, b.kv, "KEYS="+strings.Join(want, " "))
}

// kvSetAll sets each key to itself on c, for a goroutine of its own (no
// t.Fatal there): the first wrong answer is the error.
func kvSetAll(c *testenv.LineClient, keys []string) error {
	for _, k := range keys {
		if _, err := fmt.Fprintf(c, "SET %s %s\n", k, k); err != nil {
			return err
		}
		if got, err := c.ReadLine(); got != "OK" || err != nil {
			return fmt.Errorf("SET %s: %q, %v", k, got, err)
		}
	}
	return nil
}

// TestKVSharedSQLite: two moonports on one SQLite file (WAL, a busy
// timeout) share mod_kv's data as instances on PostgreSQL do, writes from
// both at once included.
func TestKVSharedSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kv.sqlite")
	in := startKVInstances(t, 2, fmt.Sprintf("storage = \"sql\"\nsql = { driver = \"SQLite3\", database = %q }\n", db))
	kvShares(t, in[0], in[1])
}

// TestKVSharedPostgreSQL is the scale-out recipe's shared state: two
// moonports on one PostgreSQL share mod_kv's data. With PostgreSQL
// stopped, a kv command that needs the store answers "ERR storage: …"
// (a refused connection at once, never past storage_timeout), the
// connection stays open, and both processes keep serving other
// connections; once PostgreSQL is back, writes resume on both.
func TestKVSharedPostgreSQL(t *testing.T) {
	pg := testenv.Postgres(t)
	in := startKVInstances(t, 2, fmt.Sprintf("storage = \"sql\"\nstorage_timeout = 3\n"+
		"sql = { driver = \"PostgreSQL\", database = %q, host = %q, port = %d, username = %q, password = %q }\n",
		pg.Database, pg.Host, pg.Port, pg.User, pg.Password))
	a, b := in[0], in[1]
	kvShares(t, a, b)

	pg.Stop()
	for _, x := range in {
		c := testenv.DialLine(t, x.kv)
		for _, cmd := range []string{"SET colour green", "GET colour", "KEYS", "DEL colour"} {
			start := time.Now()
			c.Send(cmd + "\n")
			got := c.Line()
			if !strings.HasPrefix(got, "ERR storage: ") || time.Since(start) > 5*time.Second {
				t.Fatalf("%s with PostgreSQL stopped: %q after %v", cmd, got, time.Since(start))
			}
		}
		kvSession(t, x.kv, "FLUSH=ERR unknown command (SET, GET, DEL, KEYS, QUIT)")
		echoes(t, x.echo)
		c.Send("QUIT\n")
		c.Expect("BYE")
		waitLog(t, x.log, "store kv: ", 4)
	}

	pg.Start()
	setWhenBack(t, testenv.DialLine(t, a.kv), "PostgreSQL came back")
	kvSession(t, b.kv, "GET colour=VALUE green", "SET shape square=OK")
	kvSession(t, a.kv, "GET shape=VALUE square")
}

// TestKVPostgreSQLSilent: PostgreSQL frozen mid-run (SIGSTOP: its
// connections stay open and nothing answers, as a hung or unreachable
// server) bounds each kv command that needs the store by
// storage_timeout: it answers "ERR storage: …" on a connection that
// stays open, and the process keeps serving echo. Thawed, writes resume.
// storage_timeout is above lua_timeout (1 s by default): the wait does
// not count against lua_timeout, which would otherwise stop the callback
// and close the client's connection first.
func TestKVPostgreSQLSilent(t *testing.T) {
	pg := testenv.Postgres(t)
	in := startKVInstances(t, 1, fmt.Sprintf("storage = \"sql\"\nstorage_timeout = 1.5\n"+
		"sql = { driver = \"PostgreSQL\", database = %q, host = %q, port = %d, username = %q, password = %q }\n",
		pg.Database, pg.Host, pg.Port, pg.User, pg.Password))[0]
	kvSession(t, in.kv, "SET colour blue=OK")
	pids := postgresPIDs(t, pg)
	signalAll(pids, syscall.SIGSTOP)
	t.Cleanup(func() { signalAll(pids, syscall.SIGCONT) }) // before the server's own cleanup stops it
	c := testenv.DialLine(t, in.kv)
	for _, cmd := range []string{"GET colour", "SET colour green"} {
		start := time.Now()
		c.Send(cmd + "\n")
		got := c.Line()
		if took := time.Since(start); !strings.HasPrefix(got, "ERR storage: ") || took > 5*time.Second {
			t.Fatalf("%s with PostgreSQL frozen: %q after %v (storage_timeout 1.5 s)", cmd, got, took)
		}
		echoes(t, in.echo)
	}
	signalAll(pids, syscall.SIGCONT)
	setWhenBack(t, c, "PostgreSQL thawed")
	kvSession(t, in.kv, "GET colour=VALUE green")
}

// setWhenBack sends "SET colour green" on c until it is OK: "ERR
// storage: …" answers while the database comes back, for at most 15 s.
func setWhenBack(t *testing.T, c *testenv.LineClient, after string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.Send("SET colour green\n")
		got := c.Line()
		if got == "OK" {
			return
		}
		if !strings.HasPrefix(got, "ERR storage: ") || time.Now().After(deadline) {
			t.Fatalf("SET after %s: %q", after, got)
		}
	}
}

// postgresPIDs is the test server's postmaster (from its postmaster.pid)
// and every process it started.
func postgresPIDs(t *testing.T, pg *testenv.PostgresServer) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pg.Socket, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var root int
	fmt.Sscan(string(b), &root)
	pids := []int{root}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, _ := os.ReadFile(f)
		// pid (comm) state ppid …: comm may hold spaces, so read after ")".
		_, rest, _ := strings.Cut(string(b), ") ")
		var state string
		var ppid int
		fmt.Sscan(rest, &state, &ppid)
		if ppid == root {
			var pid int
			fmt.Sscan(filepath.Base(filepath.Dir(f)), &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

func signalAll(pids []int, sig syscall.Signal) {
	for _, p := range pids {
		syscall.Kill(p, sig)
	}
}
