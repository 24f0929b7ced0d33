package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/storage"
)

// Database is what Storage needs of a database: *storage.SQL.
type Database interface {
	Check(ctx context.Context) error
	Close() error
}

// OpenDatabase opens a database of the sql option (storage.OpenSQL).
type OpenDatabase func(ctx context.Context, p storage.SQLParams) (Database, error)

// OpenSQL is OpenDatabase with the SQL driver.
func OpenSQL(ctx context.Context, p storage.SQLParams) (Database, error) {
	db, err := storage.OpenSQL(ctx, p)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Storage checks where the config keeps module data: the data folder
// when some store is in internal (it exists, or can be made, and the
// server may write it), and each database of sql that some host uses
// (it opens, and a row can be written and read back: Database.Check,
// in a transaction rolled back; an SQLite file not made yet is not made,
// its folder is checked), each within timeout. A finding names the engine, the database and
// the hosts, never the password.
func Storage(ctx context.Context, snap *config.Snapshot, dataDir string, open OpenDatabase, timeout time.Duration) Results {
	var r Results
	opts := snap.Options.Storage
	internal := opts.For("*").Uses(storage.BackendInternal)
	for _, h := range snap.Hosts() {
		internal = internal || opts.For(h.Name).Uses(storage.BackendInternal)
	}
	if internal {
		r = append(r, dataFolder(dataDir)...)
	}
	for _, u := range opts.SQLUses(snap) {
		what := fmt.Sprintf("storage sql (%s, for %s)", DescribeSQL(u.Params), strings.Join(u.Hosts, ", "))
		if state, err := checkDatabase(ctx, u.Params, open, timeout); err != nil {
			r.add(Fail, "%s: %s", what, cause(err))
		} else {
			r.add(Pass, "%s %s", what, state)
		}
	}
	if len(r) == 0 {
		r.add(Pass, "storage: no store is kept on disk or in a database (memory or null)")
	}
	return r
}

// checkDatabase opens the database and checks it. An SQLite file that
// does not exist yet is not made: its folder must be writable.
func checkDatabase(ctx context.Context, p storage.SQLParams, open OpenDatabase, timeout time.Duration) (string, error) {
	if p.Engine == storage.SQLite3 && p.Database != ":memory:" {
		if _, err := os.Stat(p.Database); err != nil { // not made yet, or cannot be
			dir := filepath.Dir(p.Database)
			if _, err := writableFolder(dir); err != nil {
				return "", fmt.Errorf("the file cannot be made: its folder %s %w", dir, err)
			}
			return "does not exist yet; it is made at the first store call (its folder is writable)", nil
		}
	}
	return "is reachable and writable", openAndCheck(ctx, p, open, timeout)
}

func openAndCheck(ctx context.Context, p storage.SQLParams, open OpenDatabase, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := open(ctx, p)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Check(ctx)
}

// DescribeSQL names a database for an operator: engine, file or name,
// server and user; never the password.
func DescribeSQL(p storage.SQLParams) string {
	if p.Engine != storage.PostgreSQL {
		return fmt.Sprintf("%s database %s", p.Engine, p.Database)
	}
	s := fmt.Sprintf("%s database %s on ", p.Engine, p.Database)
	switch {
	case p.Host == "":
		s += "the default server"
	case p.Port != 0:
		s += p.Host + ":" + strconv.Itoa(p.Port)
	default:
		s += p.Host
	}
	if p.Username != "" {
		s += " as " + p.Username
	}
	return s
}

// dataFolder checks that the server can write the data folder, or make
// it, without writing.
func dataFolder(dir string) Results {
	var r Results
	what := "storage internal: data folder " + dir
	if made, err := writableFolder(dir); err != nil {
		r.add(Fail, "%s %v; set data_path to a folder the server's user can write", what, err)
	} else if !made {
		r.add(Pass, "%s does not exist yet; it is made at the first write", what)
	} else {
		r.add(Pass, "%s exists and is writable", what)
	}
	return r
}

// writableFolder reports whether dir exists, and an error saying why
// the server could not write in it, or make it (its nearest existing
// parent is not writable). It writes nothing.
func writableFolder(dir string) (exists bool, err error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(dir)
		for parent != filepath.Dir(parent) {
			if _, err := os.Stat(parent); err == nil {
				break
			}
			parent = filepath.Dir(parent)
		}
		if st, err := os.Stat(parent); err == nil && !st.IsDir() {
			return false, fmt.Errorf("cannot be made: %s is not a folder", parent)
		}
		if err := syscall.Access(parent, 2 /* W_OK */); err != nil {
			return false, fmt.Errorf("cannot be made: %s is not writable (%v)", parent, err)
		}
		return false, nil
	case err != nil:
		return false, err
	case !st.IsDir():
		return true, errors.New("is not a folder")
	}
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return true, fmt.Errorf("is not writable (%v)", err)
	}
	return true, nil
}

// cause is err's message without the database's name when err is the
// SQL driver's (the finding names it already).
func cause(err error) string {
	var e *storage.SQLError
	if errors.As(err, &e) {
		return e.Cause()
	}
	return err.Error()
}
