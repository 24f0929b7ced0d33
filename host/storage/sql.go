package storage

import (
	"fmt"
	"time"
)

// SQLEngine is the database behind Prosody's storage "sql".
type SQLEngine uint8

// The engines of Prosody's sql.driver option that moonport has.
const (
	SQLite3 SQLEngine = iota + 1
	PostgreSQL
)

// String is the engine's name as the sql option's driver field spells it.
func (e SQLEngine) String() string {
	switch e {
	case SQLite3:
		return "SQLite3"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return fmt.Sprintf("SQLEngine(%d)", uint8(e))
}

// SQLParams is Prosody's sql option, decoded: the engine and where its
// database is. Database is a file path for SQLite3 (made absolute by the
// caller) and a database name for PostgreSQL; Host, Port, Username and
// Password are PostgreSQL's (Host may be a Unix socket folder).
type SQLParams struct {
	Engine             SQLEngine
	Database           string
	Host               string
	Port               int
	Username, Password string
	// ManageTables is sql_manage_tables: create Prosody's tables
	// ("prosody", "prosodyarchive") and their indexes when missing.
	ManageTables bool
	// Timeout bounds every call to the database (DefaultSQLTimeout when
	// 0), so a database that does not answer gives an error, not a hang.
	Timeout time.Duration
}

// DefaultSQLTimeout is SQLParams.Timeout's default.
const DefaultSQLTimeout = 5 * time.Second

// StoreKind is a store's type as StoreInfo reports it: keyval and map
// stores are one kind of data (a map store is keys inside a keyval
// store's table), archives the other.
type StoreKind uint8

// The kinds of StoreInfo.
const (
	KindKeyval StoreKind = iota + 1
	KindArchive
)

// String is the kind's name in Prosody's API.
func (k StoreKind) String() string {
	if k == KindArchive {
		return "archive"
	}
	return "keyval"
}

// StoreInfo describes one store of one host, for the console and checks.
type StoreInfo struct {
	Host, Name string
	Kind       StoreKind
	Users      int // users with data in it
}

// Lister is a driver that can list the stores it holds.
type Lister interface {
	// Stores lists the stores of host ("" for every host) that hold data.
	Stores(host string) ([]StoreInfo, error)
}
