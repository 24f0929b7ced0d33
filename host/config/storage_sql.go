package config

import (
	"path/filepath"

	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/host/value"
)

const sqlExample = `{ driver = "SQLite3", database = "prosody.sqlite" } or { driver = "PostgreSQL", database = "prosody", host = "localhost", username = "prosody", password = "secret" }`

// sqlParams reads sql and sql_manage_tables. Unset, sql is Prosody's
// default, { driver = "SQLite3" }: the file prosody.sqlite in data_path.
// An error shows the table with its password hidden.
func (r *optionReader) sqlParams(dataPath string) storage.SQLParams {
	p := storage.SQLParams{Engine: storage.SQLite3, ManageTables: r.boolean("sql_manage_tables", true)}
	if o, ok := r.get("sql"); ok {
		t, isTable := o.Value.(*value.Table)
		o.Value = redacted(o.Value) // for messages; t is the real table
		if !isTable || len(t.Array) > 0 {
			r.fail("sql", o, "expected a table such as %s", sqlExample)
			return p
		}
		p.Engine = 0
		for _, k := range t.Keys() {
			r.sqlField(o, t, k, &p)
		}
		switch {
		case p.Engine == 0:
			r.fail("sql", o, `the driver is missing: write driver = "SQLite3" (a database file) or driver = "PostgreSQL"`)
		case p.Engine == storage.PostgreSQL && p.Database == "":
			r.fail("sql", o, `PostgreSQL needs the database's name: write database = "prosody" (the database, made beforehand with createdb)`)
		}
	}
	if p.Engine == storage.SQLite3 {
		if p.Database == "" {
			p.Database = "prosody.sqlite"
		}
		if p.Database != ":memory:" && !filepath.IsAbs(p.Database) {
			p.Database = filepath.Join(dataPath, p.Database)
		}
	}
	return p
}

// sqlField reads the field k of the sql table t into p.
func (r *optionReader) sqlField(o Option, t *value.Table, k any, p *storage.SQLParams) {
	v := t.Hash[k]
	name, _ := k.(string)
	s, isString := v.(string)
	switch name {
	case "driver":
		e, ok := storage.ParseSQLEngine(s)
		switch {
		case ok:
			p.Engine = e
		case s == "MySQL":
			r.fail("sql", o, `driver "MySQL" is one of Prosody's but not moonport's: write driver = "SQLite3" (a database file) or driver = "PostgreSQL"`)
		default:
			r.fail("sql", o, `driver %s: write driver = "SQLite3" (a database file) or driver = "PostgreSQL"`, value.Format(v))
		}
		return
	case "database", "host", "username", "password":
		if !isString {
			r.fail("sql", o, "field %s is %s: expected a string", name, kind(v))
			return
		}
		*map[string]*string{"database": &p.Database, "host": &p.Host, "username": &p.Username, "password": &p.Password}[name] = s
		return
	case "port":
		n, isNumber := v.(float64)
		if !isNumber || !(Range{1, 65535, "port", true}).contains(n) {
			r.fail("sql", o, "field port is %s: expected a port number from 1 to 65535, such as port = 5432", value.Format(v))
			return
		}
		p.Port = int(n)
		return
	}
	r.fail("sql", o, "unknown field [%s]: sql has the fields driver, database, host, port, username and password", value.Format(k))
}

// redacted is the sql option's value with its password hidden, for
// messages (the decoded params keep the real one).
func redacted(v any) any {
	t, ok := v.(*value.Table)
	if !ok || t.Hash["password"] == nil {
		return v
	}
	out := &value.Table{Array: t.Array, Hash: map[any]any{}}
	for k, e := range t.Hash {
		out.Hash[k] = e
	}
	out.Hash["password"] = "********"
	return out
}
