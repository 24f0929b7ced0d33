package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresServer is a PostgreSQL server of a test's own: a cluster made
// with initdb in a temporary folder, listening on a loopback port and on
// a Unix socket in that folder, with one database. Stop and Start let a
// test take it down and bring it back (an outage); the test's cleanup
// stops it and removes the folder.
type PostgresServer struct {
	Host     string // 127.0.0.1
	Port     int
	Socket   string // the folder of its Unix socket
	Database string
	User     string
	Password string

	t       testing.TB
	bin     string // folder of initdb and postgres
	dir     string
	cred    *syscall.Credential // whom postgres runs as (when we are root)
	running *exec.Cmd
	exited  chan error
	mu      sync.Mutex // guards n: subtests may call NewDatabase in parallel
	n       int        // databases made by NewDatabase
}

// Postgres starts a PostgreSQL server for t. Without PostgreSQL's
// programs the test is skipped (on CI it fails: .ci/run installs them).
// As root, the server runs as the "postgres" user (or "nobody"), since
// postgres refuses to run as root.
func Postgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("initdb/postgres are not installed; .ci/run must install postgresql")
		}
		t.Skip("PostgreSQL is not installed (apt-get install postgresql)")
	}
	dir, err := os.MkdirTemp("", "moonport-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &PostgresServer{Host: "127.0.0.1", Port: FreePort(t, "tcp4"), Socket: dir, Database: "moonport",
		User: "moonport", Password: "test-secret", t: t, bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		s.cred = postgresCredential(t)
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	pw := filepath.Join(dir, "pw")
	s.write(pw, s.Password+"\n")
	s.run("initdb", "-D", filepath.Join(dir, "data"), "-U", s.User, "--pwfile="+pw,
		"-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	t.Cleanup(s.Stop)
	s.Start()
	conn := s.connect(t, "postgres")
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE DATABASE "`+s.Database+`"`); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	return s
}

// postgresBin is the folder with initdb and postgres: PATH first, then
// Debian's /usr/lib/postgresql/VERSION/bin (newest version).
func postgresBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d
		}
	}
	return ""
}

func postgresCredential(t testing.TB) *syscall.Credential {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	t.Fatal("running as root, and neither a postgres nor a nobody user to run PostgreSQL as")
	return nil
}

func (s *PostgresServer) write(path, body string) {
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		s.t.Fatal(err)
	}
	if s.cred != nil {
		if err := os.Chown(path, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			s.t.Fatal(err)
		}
	}
}

func (s *PostgresServer) command(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.Env = []string{"LC_ALL=C", "PATH=" + os.Getenv("PATH")}
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *PostgresServer) run(prog string, args ...string) {
	if out, err := s.command(prog, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

// Start starts the server (again, after Stop) and waits until it accepts
// connections.
func (s *PostgresServer) Start() {
	s.t.Helper()
	if s.running != nil {
		return
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd := s.command("postgres", "-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(s.Port),
		"-c", "listen_addresses="+s.Host, "-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=off", "-c", "max_connections=50")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting postgres: %v", err)
	}
	s.running, s.exited = cmd, make(chan error, 1)
	go func() { s.exited <- cmd.Wait() }() // owned by s: Stop receives it
	s.connect(s.t, "postgres").Close(context.Background())
}

// connect waits (up to 30 s) for the server to accept a session on
// database db, and returns it.
func (s *PostgresServer) connect(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable connect_timeout=2",
		s.Host, s.Port, s.User, db))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = s.Password
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.ConnectConfig(context.Background(), cfg)
		if err == nil {
			return conn
		}
		select {
		case werr := <-s.exited:
			s.running = nil
			logText, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			t.Fatalf("postgres exited (%v) before accepting connections:\n%s", werr, logText)
		case <-time.After(50 * time.Millisecond): // poll interval, not a timing assumption
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres on port %d not ready after 30s: %v", s.Port, err)
		}
	}
}

// Stop shuts the server down (a fast shutdown: sessions are ended) and
// waits for it to exit.
func (s *PostgresServer) Stop() {
	if s.running == nil {
		return
	}
	_ = s.running.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.running.Process.Kill()
		<-s.exited
	}
	s.running = nil
}

// NewDatabase creates another empty database on the server and returns
// its name, so the cases of one test each start from nothing without a
// server each.
func (s *PostgresServer) NewDatabase(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.n++
	name := fmt.Sprintf("%s_%d", s.Database, s.n)
	s.mu.Unlock()
	conn := s.connect(t, "postgres")
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	return name
}
