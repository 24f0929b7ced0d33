package storage

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Prosody's two tables, column for column as mod_storage_sql makes them
// (TEXT where it says MEDIUMTEXT, which only MySQL has), and its indexes.
// The auto-increment column is the one part that differs by engine.
var sqlTables = []struct {
	name    string
	columns string // with %s for sort_id's type
}{
	{"prosody", `"host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, ` +
		`"key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL`},
	{"prosodyarchive", `"sort_id" %s, "host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, ` +
		`"key" TEXT NOT NULL, "when" INTEGER NOT NULL, "with" TEXT NOT NULL, ` +
		`"type" TEXT NOT NULL, "value" TEXT NOT NULL`},
}

var sqlIndexes = []struct {
	name, table, columns string
	unique               bool
}{
	{"prosody_index", "prosody", `"host", "user", "store", "key"`, false},
	{"prosodyarchive_index", "prosodyarchive", `"host", "user", "store", "key"`, true},
	{"prosodyarchive_with_when", "prosodyarchive", `"host", "user", "store", "with", "when"`, false},
	{"prosodyarchive_when", "prosodyarchive", `"host", "user", "store", "when"`, false},
	{"prosodyarchive_sort", "prosodyarchive", `"host", "user", "store", "sort_id"`, false},
}

// schemaLock is the PostgreSQL advisory lock key held while the tables
// are made, so two instances starting at once against one database do
// not race on CREATE TABLE IF NOT EXISTS (which is not atomic there).
const schemaLock = 0x6d6f6f6e706f7274 // "moonport"

// prepareTables makes the missing tables and indexes (ManageTables), or
// reports which are missing and what to do.
func (s *SQL) prepareTables(ctx context.Context) error {
	if !s.params.ManageTables {
		missing, err := s.missingTables(ctx)
		if err != nil {
			return s.wrap(fmt.Errorf("listing the tables: %w", err))
		}
		if len(missing) > 0 {
			return s.wrap(fmt.Errorf("the table(s) %s are missing and sql_manage_tables is false: "+
				"set sql_manage_tables = true to have them made, or create them as Prosody's mod_storage_sql does",
				strings.Join(missing, ", ")))
		}
		return nil
	}
	serial := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if s.params.Engine == PostgreSQL {
		serial = "BIGSERIAL PRIMARY KEY"
	}
	err := s.runTx(ctx, func(t tx) error {
		if s.params.Engine == PostgreSQL {
			if _, err := t.exec(`SELECT pg_advisory_xact_lock(?)`, int64(schemaLock)); err != nil {
				return err
			}
		}
		for _, tb := range sqlTables {
			cols := tb.columns
			if strings.Contains(cols, "%s") {
				cols = fmt.Sprintf(cols, serial)
			}
			if _, err := t.exec(`CREATE TABLE IF NOT EXISTS "` + tb.name + `" (` + cols + `)`); err != nil {
				return fmt.Errorf("creating table %s: %w", tb.name, err)
			}
		}
		for _, ix := range sqlIndexes {
			kind := "INDEX"
			if ix.unique {
				kind = "UNIQUE INDEX"
			}
			q := `CREATE ` + kind + ` IF NOT EXISTS "` + ix.name + `" ON "` + ix.table + `" (` + ix.columns + `)`
			if _, err := t.exec(q); err != nil {
				return fmt.Errorf("creating index %s: %w", ix.name, err)
			}
		}
		return nil
	}, true)
	return s.wrap(err)
}

// missingTables names Prosody's tables that the database lacks.
func (s *SQL) missingTables(ctx context.Context) ([]string, error) {
	q := `SELECT "name" FROM "sqlite_master" WHERE "type"='table'`
	if s.params.Engine == PostgreSQL {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		have[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []string
	for _, tb := range sqlTables {
		if !have[tb.name] {
			missing = append(missing, `"`+tb.name+`"`)
		}
	}
	sort.Strings(missing)
	return missing, nil
}
