package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers database/sql's "sqlite" driver
)

// SQL is Prosody's storage "sql": keyval, map and archive stores in the
// tables mod_storage_sql uses ("prosody" and "prosodyarchive"), on an
// embedded SQLite file or a PostgreSQL server, so Prosody and moonport
// can read each other's data and several moonports can share one
// PostgreSQL database. Both engines go through database/sql with the
// same queries (written with ?, numbered for PostgreSQL by rebind). It
// is safe for concurrent use; every call is bounded by the params'
// Timeout.
type SQL struct {
	db      *sql.DB
	params  SQLParams
	timeout time.Duration
	// ctx is cancelled by Close, so calls in flight end with it.
	ctx    context.Context
	cancel context.CancelFunc
}

// OpenSQL connects to the database p names, checks that it answers and
// makes Prosody's tables when p.ManageTables (or checks that they are
// there). ctx bounds only the opening.
func OpenSQL(ctx context.Context, p SQLParams) (*SQL, error) {
	s := &SQL{params: p, timeout: p.Timeout}
	if s.timeout <= 0 {
		s.timeout = DefaultSQLTimeout
	}
	var err error
	switch p.Engine {
	case SQLite3:
		s.db, err = openSQLite(p, s.timeout)
	case PostgreSQL:
		s.db, err = openPostgres(p, s.timeout)
	default:
		return nil, fmt.Errorf("storage sql: unknown engine %v (use SQLite3 or PostgreSQL)", p.Engine)
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.db.PingContext(octx); err != nil {
		s.Close()
		return nil, s.wrap(err)
	}
	if err := s.prepareTables(octx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openSQLite opens the file in WAL mode (readers do not wait for a
// writer) with a busy timeout (a writer waits for another instead of
// failing with SQLITE_BUSY), and starts transactions IMMEDIATE so two
// read-then-write transactions cannot deadlock on the upgrade.
func openSQLite(p SQLParams, timeout time.Duration) (*sql.DB, error) {
	if p.Database == "" {
		return nil, errors.New("no database file (set sql = { driver = \"SQLite3\", database = \"prosody.sqlite\" })")
	}
	// SQLite's own message for a missing folder is "out of memory".
	if dir := filepath.Dir(p.Database); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("the folder %s of the database file does not exist: create it, or set sql.database to a file in an existing folder", dir)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(timeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	// A "file:" URI, which SQLite percent-decodes: %, ? and # in the path
	// are escaped so they stay part of the name.
	path := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p.Database)
	return sql.Open("sqlite", "file:"+path+"?"+q.Encode())
}

// openPostgres uses pgx through its database/sql adapter, so both engines
// share one code path (queries, transactions, the pool that reconnects
// after an outage). Host, port, database and user go into a libpq-style
// connection string (so pgx applies its usual TLS preference and
// fallbacks to them); the password is set on the parsed config, so it
// needs no quoting and is in no string an error could quote.
func openPostgres(p SQLParams, timeout time.Duration) (*sql.DB, error) {
	var conninfo []string
	for _, kv := range [][2]string{{"host", p.Host}, {"dbname", p.Database}, {"user", p.Username}} {
		if kv[1] != "" {
			conninfo = append(conninfo, kv[0]+"="+quoteConninfo(kv[1]))
		}
	}
	if p.Port != 0 {
		conninfo = append(conninfo, "port="+strconv.Itoa(p.Port))
	}
	cfg, err := pgx.ParseConfig(strings.Join(conninfo, " "))
	if err != nil {
		return nil, fmt.Errorf("the sql option's host, port, database or username: %w", err)
	}
	if p.Password != "" {
		cfg.Password = p.Password
	}
	cfg.ConnectTimeout = timeout
	db := stdlib.OpenDB(*cfg)
	// Bounded, so many instances stay within the server's max_connections.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// quoteConninfo quotes a value of a libpq connection string.
func quoteConninfo(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Close closes the database; calls in flight end with an error.
func (s *SQL) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	return s.db.Close()
}

// where names the database in errors (never the password).
func (s *SQL) where() string {
	p := s.params
	if p.Engine == PostgreSQL {
		host := p.Host
		if host == "" {
			host = "localhost"
		}
		port := p.Port
		if port == 0 {
			port = 5432
		}
		return fmt.Sprintf("PostgreSQL database %q on %s port %d", p.Database, host, port)
	}
	return fmt.Sprintf("%v database %q", p.Engine, p.Database)
}

// wrap names the engine and database in err (an *SQLError), and blanks
// the password should a driver ever quote it.
func (s *SQL) wrap(err error) error {
	if err == nil {
		return nil
	}
	e := &SQLError{Where: s.where(), err: err, msg: flatten(err.Error())}
	if errors.Is(err, context.DeadlineExceeded) {
		e.msg = fmt.Sprintf("no answer within %v, the call timeout: %s", s.timeout, e.msg)
	}
	if pw := s.params.Password; pw != "" && strings.Contains(e.msg, pw) {
		// The driver's own error goes: its text has the password.
		e.msg = strings.ReplaceAll(e.msg, pw, "********")
		e.err = errors.New(e.msg)
		if errors.Is(err, context.DeadlineExceeded) {
			e.err = fmt.Errorf("%s: %w", e.msg, context.DeadlineExceeded)
		}
	}
	return e
}

// SQLError is a failed call of the SQL driver: where (engine, database,
// server) and why, on one line.
type SQLError struct {
	Where string
	msg   string
	err   error
}

// Error is "storage sql (where): why".
func (e *SQLError) Error() string { return "storage sql (" + e.Where + "): " + e.msg }

// Cause is why, without where, for a caller that names the database
// itself (moonport check).
func (e *SQLError) Cause() string { return e.msg }

// Unwrap is the driver's error.
func (e *SQLError) Unwrap() error { return e.err }

// flatten puts a driver's message on one line: pgx reports each
// connection attempt on a line of its own, often the same line twice
// (with TLS, then without).
func flatten(msg string) string {
	var parts []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && (len(parts) == 0 || parts[len(parts)-1] != line) {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " ")
}

// rebind numbers the ? placeholders of q as $1, $2… for PostgreSQL;
// queries are written once with ?. A ? inside quotes is left alone.
func (s *SQL) rebind(q string) string {
	if s.params.Engine != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// checkText refuses, on PostgreSQL, text its TEXT columns cannot hold
// (bytes that are not UTF-8, or a NUL byte), with what to do instead of
// the server's "invalid byte sequence". SQLite keeps any bytes.
func (s *SQL) checkText(args []any) error {
	if s.params.Engine != PostgreSQL {
		return nil
	}
	for _, a := range args {
		if v, ok := a.(string); ok && (!utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0) {
			return fmt.Errorf("PostgreSQL keeps text only, and %q is not UTF-8 text (or holds a NUL byte): encode such data first, e.g. as base64", truncate(v, 40))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tx is one transaction, with the queries rebound for the engine.
type tx struct {
	s   *SQL
	ctx context.Context
	t   *sql.Tx
}

func (t tx) exec(q string, args ...any) (int64, error) {
	if err := t.s.checkText(args); err != nil {
		return 0, err
	}
	r, err := t.t.ExecContext(t.ctx, t.s.rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (t tx) query(q string, args ...any) (*sql.Rows, error) {
	if err := t.s.checkText(args); err != nil {
		return nil, err
	}
	return t.t.QueryContext(t.ctx, t.s.rebind(q), args...)
}

// lock serialises the write transactions on one user's data in one
// store (until the transaction ends). SQLite needs none (its write
// transactions start IMMEDIATE, one at a time); on PostgreSQL, two
// transactions that each delete a key's row and insert it anew would
// otherwise both insert, leaving the key twice (the delete does not see
// a row inserted by a transaction that committed after it began).
func (t tx) lock(table, host, user, store string) error {
	if t.s.params.Engine != PostgreSQL {
		return nil
	}
	_, err := t.exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`,
		table+"\x1f"+host+"\x1f"+user+"\x1f"+store) // a lock shared by two by chance only waits
	return err
}

// inTx runs fn in a transaction bounded by the timeout, committing when
// it returns nil and rolling back otherwise.
func (s *SQL) inTx(fn func(tx) error) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	return s.wrap(s.runTx(ctx, nil, fn, true))
}

// readOnly transactions start DEFERRED on SQLite: readers neither wait
// for nor block one another (writers start IMMEDIATE, one at a time).
var readOnly = &sql.TxOptions{ReadOnly: true}

// inReadTx is inTx for fn that only reads.
func (s *SQL) inReadTx(fn func(tx) error) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	return s.wrap(s.runTx(ctx, readOnly, fn, true))
}

func (s *SQL) runTx(ctx context.Context, opts *sql.TxOptions, fn func(tx) error, commit bool) error {
	t, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx{s, ctx, t}); err != nil || !commit {
		rerr := t.Rollback()
		if err == nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = rerr
		}
		return err
	}
	return t.Commit()
}

// Check reports whether the database is reachable and writable: it
// writes a probe row, reads it back and deletes it in a transaction that
// is then rolled back, so nothing is left behind.
func (s *SQL) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	const probe = "moonport-check"
	return s.wrap(s.runTx(ctx, nil, func(t tx) error {
		if _, err := t.exec(`INSERT INTO "prosody" ("host","user","store","key","type","value") VALUES (?,?,?,?,?,?)`,
			probe, probe, probe, probe, string(typeString), probe); err != nil {
			return fmt.Errorf("writing a probe row: %w", err)
		}
		var got string
		err := t.t.QueryRowContext(ctx, s.rebind(`SELECT "value" FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=? AND "key"=?`),
			probe, probe, probe, probe).Scan(&got)
		if err != nil || got != probe {
			return fmt.Errorf("reading the probe row back: %v (got %q)", err, got)
		}
		if _, err := t.exec(`DELETE FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=?`, probe, probe, probe); err != nil {
			return fmt.Errorf("deleting the probe row: %w", err)
		}
		return nil
	}, false))
}
