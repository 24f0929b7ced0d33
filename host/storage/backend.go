package storage

import "fmt"

// Backend is a storage driver as the config's storage and
// default_storage options name it (Prosody's storage modules
// mod_storage_NAME). Which Driver serves it is the runtime's choice
// (lua/bridge); this package only names them.
type Backend uint8

// The backends moonport has. The zero Backend is "none set".
const (
	BackendInternal Backend = iota + 1 // files in data_path, Prosody's layout (Internal)
	BackendSQL                         // a database: SQLite3 or PostgreSQL (the sql option)
	BackendMemory                      // the process's memory (Memory)
	BackendNull                        // keeps nothing
)

// DefaultArchiveItemLimit is the most items an archive kept by b holds
// per user when storage_archive_item_limit is unset, as Prosody's
// storage modules default it: internal 10000, memory 1000, sql none
// (0).
func (b Backend) DefaultArchiveItemLimit() int {
	switch b {
	case BackendInternal:
		return 10000
	case BackendMemory:
		return 1000
	}
	return 0
}

// backendNames are the names the config writes, in the order messages list them.
var backendNames = []struct {
	name string
	b    Backend
}{{"internal", BackendInternal}, {"sql", BackendSQL}, {"memory", BackendMemory}, {"null", BackendNull}}

// String is the backend's name in the config.
func (b Backend) String() string {
	for _, n := range backendNames {
		if n.b == b {
			return n.name
		}
	}
	return fmt.Sprintf("Backend(%d)", uint8(b))
}

// ParseBackend is the backend the config names name; false when moonport
// has none of that name.
func ParseBackend(name string) (Backend, bool) {
	for _, n := range backendNames {
		if n.name == name {
			return n.b, true
		}
	}
	return 0, false
}

// ParseSQLEngine is the engine the sql option's driver field names,
// spelt as Prosody spells it; false when moonport has none of that name.
func ParseSQLEngine(name string) (SQLEngine, bool) {
	for _, e := range []SQLEngine{SQLite3, PostgreSQL} {
		if e.String() == name {
			return e, true
		}
	}
	return 0, false
}
