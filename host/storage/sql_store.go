package storage

import (
	"fmt"

	"github.com/moonport/moonport/host/value"
)

// sqlStore is one keyval/map store: a row in "prosody" per string key of
// the user's table, and one row with key "" holding every other key (the
// array part, keys that are not strings or are "") as one table, as
// mod_storage_sql lays them out.
type sqlStore struct {
	s           *SQL
	host, store string
}

// Open returns host's keyval/map store name.
func (s *SQL) Open(host, name string) (Store, error) {
	return &sqlStore{s: s, host: host, store: name}, nil
}

func (st *sqlStore) Get(user string) (any, error) {
	var out any
	err := st.s.inReadTx(func(t tx) error {
		rows, err := t.query(`SELECT "key","type","value" FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=?`,
			st.host, user, st.store)
		if err != nil {
			return err
		}
		defer rows.Close()
		res := &value.Table{}
		for rows.Next() {
			var k, typ, text string
			if err := rows.Scan(&k, &typ, &text); err != nil {
				return err
			}
			v, err := deserialize(valueType(typ), text)
			if err != nil {
				return fmt.Errorf("store %q user %q key %q: %w", st.store, user, k, err)
			}
			mergeRow(res, k, v)
			out = res
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if out != nil {
		out = normalise(out.(*value.Table))
	}
	return out, nil
}

// mergeRow puts one row's value into the user's table: a named key, or the
// "" row's table spread over it.
func mergeRow(res *value.Table, k string, v any) {
	if k != "" {
		if res.Hash == nil {
			res.Hash = map[any]any{}
		}
		res.Hash[k] = v
		return
	}
	extra, ok := v.(*value.Table)
	if !ok {
		return // as Prosody: a "" row that is not a table adds nothing
	}
	res.Array = append(res.Array, extra.Array...)
	for ek, ev := range extra.Hash {
		if res.Hash == nil {
			res.Hash = map[any]any{}
		}
		res.Hash[ek] = ev
	}
}

// Set replaces user's table. Prosody's SQL store keeps only tables (and
// nil, to remove); anything else is refused.
func (st *sqlStore) Set(user string, v any) error {
	var tbl *value.Table
	switch x := v.(type) {
	case nil:
	case *value.Table:
		if err := Check(x); err != nil {
			return err
		}
		tbl = x
	default:
		return fmt.Errorf("storage sql keeps tables in keyval stores (as Prosody's does), not a %T: wrap it, e.g. { value = v }", v)
	}
	rows, err := splitRows(tbl)
	if err != nil {
		return err
	}
	return st.s.inTx(func(t tx) error {
		if err := t.lock("prosody", st.host, user, st.store); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=?`, st.host, user, st.store); err != nil {
			return err
		}
		for _, r := range rows {
			if err := st.insert(t, user, r); err != nil {
				return err
			}
		}
		return nil
	})
}

type sqlRow struct {
	key  string
	typ  valueType
	text string
}

// splitRows is a table's rows: one per non-empty string key, and one
// "" row with the rest when there is any.
func splitRows(tbl *value.Table) ([]sqlRow, error) {
	if tbl == nil {
		return nil, nil
	}
	var rows []sqlRow
	extra := &value.Table{Array: tbl.Array}
	for k, v := range tbl.Hash {
		if s, ok := k.(string); ok && s != "" {
			typ, text, err := serialize(v)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", s, err)
			}
			rows = append(rows, sqlRow{s, typ, text})
			continue
		}
		if extra.Hash == nil {
			extra.Hash = map[any]any{}
		}
		extra.Hash[k] = v
	}
	if len(extra.Array) > 0 || len(extra.Hash) > 0 {
		typ, text, err := serialize(extra)
		if err != nil {
			return nil, err
		}
		rows = append(rows, sqlRow{"", typ, text})
	}
	return rows, nil
}

func (st *sqlStore) insert(t tx, user string, r sqlRow) error {
	_, err := t.exec(`INSERT INTO "prosody" ("host","user","store","key","type","value") VALUES (?,?,?,?,?,?)`,
		st.host, user, st.store, r.key, string(r.typ), r.text)
	return err
}

// row reads the value of one key row, nil when there is none.
func (st *sqlStore) row(t tx, user, key string) (any, error) {
	rows, err := t.query(`SELECT "type","value" FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=? AND "key"=? LIMIT 1`,
		st.host, user, st.store, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var v any
	for rows.Next() {
		var typ, text string
		if err := rows.Scan(&typ, &text); err != nil {
			return nil, err
		}
		if v, err = deserialize(valueType(typ), text); err != nil {
			return nil, fmt.Errorf("store %q user %q key %q: %w", st.store, user, key, err)
		}
	}
	return v, rows.Err()
}

func (st *sqlStore) GetKey(user, key string) (any, error) {
	var out any
	err := st.s.inReadTx(func(t tx) error {
		v, err := st.row(t, user, key)
		if key == "" {
			extra, _ := v.(*value.Table)
			v = extra.Get("")
		}
		out = v
		return err
	})
	return out, err
}

// SetKeys writes each key's row (deleting it for nil); the key "" lives
// in the "" row's table, read, changed and written back.
func (st *sqlStore) SetKeys(user string, keys map[string]any) error {
	for k, v := range keys {
		if err := Check(v); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	return st.s.inTx(func(t tx) error {
		if err := t.lock("prosody", st.host, user, st.store); err != nil {
			return err
		}
		for k, v := range keys {
			if k == "" {
				if err := st.setExtra(t, user, v); err != nil {
					return err
				}
				continue
			}
			if _, err := t.exec(`DELETE FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=? AND "key"=?`,
				st.host, user, st.store, k); err != nil {
				return err
			}
			if v == nil {
				continue
			}
			typ, text, err := serialize(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			if err := st.insert(t, user, sqlRow{k, typ, text}); err != nil {
				return err
			}
		}
		return nil
	})
}

// setExtra sets the key "" inside the "" row's table.
func (st *sqlStore) setExtra(t tx, user string, v any) error {
	old, err := st.row(t, user, "")
	if err != nil {
		return err
	}
	extra, _ := old.(*value.Table)
	if extra == nil {
		extra = &value.Table{}
	}
	if extra.Hash == nil {
		extra.Hash = map[any]any{}
	}
	if v == nil {
		delete(extra.Hash, "")
	} else {
		extra.Hash[""] = v
	}
	if _, err := t.exec(`DELETE FROM "prosody" WHERE "host"=? AND "user"=? AND "store"=? AND "key"=?`,
		st.host, user, st.store, ""); err != nil {
		return err
	}
	if len(extra.Hash) == 0 && len(extra.Array) == 0 {
		return nil
	}
	typ, text, err := serialize(extra)
	if err != nil {
		return err
	}
	return st.insert(t, user, sqlRow{"", typ, text})
}

func (st *sqlStore) Users() ([]string, error) {
	return st.s.column(`SELECT DISTINCT "user" FROM "prosody" WHERE "host"=? AND "store"=?`, st.host, st.store)
}

// column is the first column of a query's rows.
func (s *SQL) column(q string, args ...any) ([]string, error) {
	out := []string{}
	err := s.inReadTx(func(t tx) error {
		rows, err := t.query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}
