package storage

import (
	"context"
	"path/filepath"
	"testing"

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
