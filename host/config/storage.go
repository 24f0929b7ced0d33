package config

import (
	"path/filepath"
	"time"

	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/host/value"
)

// StorageOptions are the storage options, decoded for the global section
// and each host section when the config is evaluated, so that a driver
// name moonport lacks or a bad sql table stops the config (at startup
// the process, at a reload the reload) instead of failing the first
// store call. Prosody reads storage, default_storage, sql and
// sql_manage_tables per host; storage_timeout is moonport's and global.
type StorageOptions struct {
	// Timeout is storage_timeout: how long one store call may take
	// before it returns nil and an error (default 5 s).
	Timeout time.Duration
	hosts   map[string]StorageConfig // by section name, "*" the global one
}

// StorageConfig is one section's storage options, each falling back to
// the global section's as Prosody's do.
type StorageConfig struct {
	Storage  storage.Backend            // storage = "NAME"; 0 when unset or a table
	PerStore map[string]storage.Backend // storage = { STORE = "NAME", ... }
	Default  storage.Backend            // default_storage, else internal
	// SQL is the sql option with sql_manage_tables, its defaults filled
	// in: SQLite3, the file prosody.sqlite, a relative file in data_path;
	// its Timeout is storage_timeout.
	SQL storage.SQLParams
	// ArchiveItemLimit is storage_archive_item_limit: the most items an
	// archive keeps per user; 0 when unset (each driver's default:
	// storage.Backend.DefaultArchiveItemLimit).
	ArchiveItemLimit int
}

// ArchiveLimit is the item limit of archives kept by b: the option's
// value, else b's default (0: none).
func (c StorageConfig) ArchiveLimit(b storage.Backend) int {
	if c.ArchiveItemLimit > 0 {
		return c.ArchiveItemLimit
	}
	return b.DefaultArchiveItemLimit()
}

// For is host's storage options. A host without a section ("*", a
// global module's; module:context of a host the config does not
// declare) has the global section's.
func (o StorageOptions) For(host string) StorageConfig {
	if c, ok := o.hosts[host]; ok {
		return c
	}
	return o.hosts["*"]
}

// Backend is the backend that stores store, as Prosody's storagemanager
// picks it: storage when it names one driver, else the store's entry in
// the storage table, else default_storage.
func (c StorageConfig) Backend(store string) storage.Backend {
	if c.Storage != 0 {
		return c.Storage
	}
	if b := c.PerStore[store]; b != 0 {
		return b
	}
	return c.Default
}

// Uses reports whether some store of the section is kept by b.
func (c StorageConfig) Uses(b storage.Backend) bool {
	if c.Storage != 0 {
		return c.Storage == b
	}
	if c.Default == b {
		return true
	}
	for _, e := range c.PerStore {
		if e == b {
			return true
		}
	}
	return false
}

// SQLUse is one database the config stores in, with the sections that
// do ("*" for the global one).
type SQLUse struct {
	Params storage.SQLParams
	Hosts  []string
}

// SQLUses lists the distinct databases of the sections that keep some
// store in sql, in the order the sections are declared.
func (o StorageOptions) SQLUses(s *Snapshot) []SQLUse {
	var out []SQLUse
	names := []string{"*"}
	for _, h := range s.Hosts() {
		names = append(names, h.Name)
	}
next:
	for _, name := range names {
		c := o.For(name)
		if !c.Uses(storage.BackendSQL) {
			continue
		}
		for i := range out {
			if out[i].Params == c.SQL {
				out[i].Hosts = append(out[i].Hosts, name)
				continue next
			}
		}
		out = append(out, SQLUse{Params: c.SQL, Hosts: []string{name}})
	}
	return out
}

// DataDir is the data folder: data_path, else the config file's folder
// (absolute), as the runtime's prosody.paths.data has it.
func (s *Snapshot) DataDir() string {
	if s.Options != nil && s.Options.DataPath != "" {
		return s.Options.DataPath
	}
	return configDir(s.Path)
}

func configDir(path string) string {
	if path == "" {
		return "."
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "."
	}
	return filepath.Dir(abs)
}

// storageTimeRange bounds storage_timeout.
var storageTimeRange = Range{0.001, hour, "seconds", false}

// archiveLimitRange bounds storage_archive_item_limit.
var archiveLimitRange = Range{1, 1 << 31, "items", true}

// storage reads the storage options of every section; dataPath is
// data_path ("" when unset: the config file's folder).
func (r *optionReader) storage(dataPath string) StorageOptions {
	o := StorageOptions{Timeout: r.seconds("storage_timeout", storageTimeRange, 5*time.Second),
		hosts: map[string]StorageConfig{}}
	if dataPath == "" {
		dataPath = configDir(r.snap.Path)
	}
	for _, sec := range append([]*Section{r.snap.Global}, r.snap.Hosts()...) {
		hr := &optionReader{snap: r.snap, host: sec.Name}
		o.hosts[sec.Name] = hr.storageConfig(dataPath, o.Timeout)
		if r.err == nil {
			r.err = hr.err
		}
	}
	return o
}

const storageNames = `"internal" (files in data_path), "sql" (the database of the sql option), "memory" or "null"`

func (r *optionReader) storageConfig(dataPath string, timeout time.Duration) StorageConfig {
	c := StorageConfig{Default: storage.BackendInternal}
	if o, ok := r.get("storage"); ok {
		switch v := o.Value.(type) {
		case string:
			c.Storage = r.backend("storage", o, "", v)
		case *value.Table:
			c.PerStore = r.perStore(o, v)
		default:
			r.fail("storage", o, `expected a driver name such as "sql", or a table of them by store such as { archive = "sql" }, not %s`, kind(o.Value))
		}
	}
	if o, ok := r.get("default_storage"); ok {
		if s, isString := o.Value.(string); isString {
			c.Default = r.backend("default_storage", o, "", s)
		} else {
			r.fail("default_storage", o, "expected a driver name: %s", storageNames)
		}
	}
	if c.Default == 0 {
		c.Default = storage.BackendInternal
	}
	c.ArchiveItemLimit = int(r.number("storage_archive_item_limit", archiveLimitRange, 0))
	c.SQL = r.sqlParams(dataPath)
	c.SQL.Timeout = timeout // the driver bounds its calls as the runtime does
	return c
}

// backend is the backend named name, set by option o (for store, when
// o is a table of them).
func (r *optionReader) backend(option string, o Option, store, name string) storage.Backend {
	b, ok := storage.ParseBackend(name)
	if ok {
		return b
	}
	where := ""
	if store != "" {
		where = "store " + store + ": "
	}
	if name == "sql2" {
		r.fail(option, o, `%s"sql2" is the old name of "sql": write "sql"`, where)
	} else {
		r.fail(option, o, `%smoonport has no storage driver %q (it loads no storage modules); write %s`, where, name, storageNames)
	}
	return 0
}

// perStore reads storage = { STORE = "NAME", ... }.
func (r *optionReader) perStore(o Option, t *value.Table) map[string]storage.Backend {
	if len(t.Array) > 0 {
		r.fail("storage", o, `expected a table of store names and drivers such as { archive = "sql" }, not a list`)
		return nil
	}
	out := map[string]storage.Backend{}
	for _, k := range t.Keys() {
		store, keyOK := k.(string)
		name, valueOK := t.Hash[k].(string)
		if !keyOK || !valueOK {
			r.fail("storage", o, `expected a table of store names and drivers such as { archive = "sql" }; [%s] is %s`, value.Format(k), kind(t.Hash[k]))
			return nil
		}
		if b := r.backend("storage", o, store, name); b != 0 {
			out[store] = b
		}
	}
	return out
}
