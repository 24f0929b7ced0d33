package storage

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
)

// sqlArchive is one archive store: rows of "prosodyarchive" in the order
// of their auto-increment sort_id, as mod_storage_sql keeps them.
type sqlArchive struct {
	s           *SQL
	host, store string
}

// OpenArchive returns host's archive store name.
func (s *SQL) OpenArchive(host, name string) (Archive, error) {
	return &sqlArchive{s: s, host: host, store: name}, nil
}

// newKey is a random (version 4) UUID, the key Prosody gives an item
// appended without one.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// when is a time as the "when" column holds it: Prosody's column is an
// INTEGER; SQLite keeps a fraction anyway, PostgreSQL gets whole seconds
// (round for a value; for bounds, the whole seconds inside them).
func (a *sqlArchive) when(w float64, round func(float64) float64) any {
	if a.s.params.Engine == PostgreSQL {
		return int64(round(w))
	}
	return w
}

func (a *sqlArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	if err := checkItem(v); err != nil {
		return "", err
	}
	typ, text, err := serialize(v)
	if err != nil {
		return "", err
	}
	if key == "" {
		key = newKey()
	}
	err = a.s.inTx(func(t tx) error {
		if err := t.lock("prosodyarchive", a.host, user, a.store); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM "prosodyarchive" WHERE "host"=? AND "user"=? AND "store"=? AND "key"=?`,
			a.host, user, a.store, key); err != nil {
			return err
		}
		_, err := t.exec(`INSERT INTO "prosodyarchive" ("host","user","store","when","with","key","type","value") VALUES (?,?,?,?,?,?,?,?)`,
			a.host, user, a.store, a.when(when, math.Round), with, key, string(typ), text)
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// filter is a WHERE clause being built, with its arguments.
type filter struct {
	where []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

func (f *filter) String() string { return strings.Join(f.where, " AND ") }

// base is the filter on host, store, user (any user when allUsers) and
// the query's fields other than Before/After.
func (a *sqlArchive) base(user string, allUsers bool, q Query) *filter {
	f := &filter{}
	f.add(`"host"=?`, a.host)
	if !allUsers {
		f.add(`"user"=?`, user)
	}
	f.add(`"store"=?`, a.store)
	if q.Start != nil {
		f.add(`"when">=?`, a.when(*q.Start, math.Ceil))
	}
	if q.End != nil {
		f.add(`"when"<=?`, a.when(*q.End, math.Floor))
	}
	if q.With != nil {
		f.add(`"with"=?`, *q.With)
	}
	if q.Key != "" {
		f.add(`"key"=?`, q.Key)
	}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			f.add(`1=0`)
		} else {
			marks := strings.TrimSuffix(strings.Repeat("?,", len(q.IDs)), ",")
			args := make([]any, len(q.IDs))
			for i, id := range q.IDs {
				args[i] = id
			}
			f.add(`"key" IN (`+marks+`)`, args...)
		}
	}
	return f
}

// idRange adds Before and After: items strictly before (after) the item
// with that key in the archive's order; an unknown key is
// ErrItemNotFound.
func (a *sqlArchive) idRange(t tx, user string, allUsers bool, q Query, f *filter) error {
	for _, b := range []struct {
		key, op string
	}{{q.After, ">"}, {q.Before, "<"}} {
		if b.key == "" {
			continue
		}
		lookup := &filter{}
		lookup.add(`"key"=?`, b.key)
		lookup.add(`"host"=?`, a.host)
		if !allUsers {
			lookup.add(`"user"=?`, user)
		}
		lookup.add(`"store"=?`, a.store)
		var id int64
		err := t.t.QueryRowContext(t.ctx, a.s.rebind(`SELECT "sort_id" FROM "prosodyarchive" WHERE `+lookup.String()+` LIMIT 1`),
			lookup.args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrItemNotFound
		}
		if err != nil {
			return err
		}
		f.add(`"sort_id"`+b.op+`?`, id)
	}
	return nil
}

func (a *sqlArchive) Find(user string, q Query) ([]Item, int, error) {
	items := []Item{}
	total := -1
	err := a.s.inReadTx(func(t tx) error {
		f := a.base(user, false, q)
		if q.Total {
			err := t.t.QueryRowContext(t.ctx, a.s.rebind(`SELECT COUNT(*) FROM "prosodyarchive" WHERE `+f.String()), f.args...).Scan(&total)
			if err != nil {
				return err
			}
		}
		if err := a.idRange(t, user, false, q, f); err != nil {
			return err
		}
		order := "ASC"
		if q.Reverse {
			order = "DESC"
		}
		query := `SELECT "key","type","value","when","with" FROM "prosodyarchive" WHERE ` + f.String() + ` ORDER BY "sort_id" ` + order
		if q.Limit >= 0 {
			query += fmt.Sprintf(" LIMIT %d", q.Limit)
		}
		rows, err := t.query(query, f.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it Item
			var typ, text string
			if err := rows.Scan(&it.Key, &typ, &text, &it.When, &it.With); err != nil {
				return err
			}
			if it.Value, err = deserialize(valueType(typ), text); err != nil {
				return fmt.Errorf("archive %q user %q item %q: %w", a.store, user, it.Key, err)
			}
			items = append(items, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, -1, err
	}
	return items, total, nil
}

func (a *sqlArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	f := &filter{}
	if v != nil {
		if err := checkItem(v); err != nil {
			return false, err
		}
		typ, text, err := serialize(v)
		if err != nil {
			return false, err
		}
		f.add(`"type"=?`, string(typ))
		f.add(`"value"=?`, text)
	}
	if when != nil {
		f.add(`"when"=?`, a.when(*when, math.Round))
	}
	if with != nil {
		f.add(`"with"=?`, *with)
	}
	if len(f.where) == 0 {
		// Nothing to change: a no-op assignment still reports whether
		// the item is there.
		f.add(`"key"="key"`)
	}
	const cond = `"host"=? AND "user"=? AND "store"=? AND "key"=?`
	var n int64
	err := a.s.inTx(func(t tx) error {
		var err error
		n, err = t.exec(`UPDATE "prosodyarchive" SET `+strings.Join(f.where, ", ")+` WHERE `+cond,
			append(f.args, a.host, user, a.store, key)...)
		return err
	})
	return n == 1, err
}

// Delete removes the matching items; with Truncate, all but the newest
// Truncate of them (the oldest with Reverse).
func (a *sqlArchive) Delete(user string, allUsers bool, q Query) (int, error) {
	var n int64
	err := a.s.inTx(func(t tx) error {
		f := a.base(user, allUsers, q)
		if err := a.idRange(t, user, allUsers, q, f); err != nil {
			return err
		}
		query := `DELETE FROM "prosodyarchive" WHERE ` + f.String()
		if q.Truncate >= 0 {
			order, unlimited := "DESC", "ALL"
			if q.Reverse {
				order = "ASC"
			}
			if a.s.params.Engine == SQLite3 {
				unlimited = "-1"
			}
			query = `DELETE FROM "prosodyarchive" WHERE "sort_id" IN (SELECT "sort_id" FROM "prosodyarchive" WHERE ` +
				f.String() + ` ORDER BY "sort_id" ` + order + ` LIMIT ` + unlimited + ` OFFSET ?)`
			f.args = append(f.args, q.Truncate)
		}
		var err error
		n, err = t.exec(query, f.args...)
		return err
	})
	return int(n), err
}

func (a *sqlArchive) Summary(user string, q Query) (map[string]Summary, error) {
	out := map[string]Summary{}
	err := a.s.inReadTx(func(t tx) error {
		f := a.base(user, false, q)
		if err := a.idRange(t, user, false, q, f); err != nil {
			return err
		}
		rows, err := t.query(`SELECT "with", COUNT(*), MIN("when"), MAX("when") FROM "prosodyarchive" WHERE `+
			f.String()+` GROUP BY "with"`, f.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var with string
			var s Summary
			if err := rows.Scan(&with, &s.Count, &s.Earliest, &s.Latest); err != nil {
				return err
			}
			out[with] = s
		}
		return rows.Err()
	})
	return out, err
}

func (a *sqlArchive) Users() ([]string, error) {
	return a.s.column(`SELECT DISTINCT "user" FROM "prosodyarchive" WHERE "host"=? AND "store"=?`, a.host, a.store)
}
