package storage

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/value"
)

// The internal driver's archives are Prosody 0.12's: one list file per
// user (<data>/<host>/<store>/<user>.list, the host's own
// <data>/<host>/<store>.list), each item the stanza as util.stanza
// preserialises it with the fields key, when and with beside its name and
// attr, and attr.stamp its time as an XEP-0082 date-time; so a file
// either side wrote reads back on the other. Items are kept in the order
// they were appended; the query engine is archive_list.go's.
//
// Prosody's internal driver stores stanzas only. moonport also stores
// plain data (Check) in archives: such an item has no name and no attr
// (which every stanza item has) and holds the value in its field "data":
// item({ key = …; when = …; with = …; data = <value> }). Prosody's
// driver cannot read those items; stanza items are unchanged.

// plainField is the field of a plain data item holding its value.
const plainField = "data"

// OpenArchive returns host's archive store name.
func (d *Internal) OpenArchive(host, name string) (Archive, error) {
	return &fileArchive{d: d, host: host, name: name}, nil
}

// fileArchive is one archive store; d.mu orders its reads and writes
// (a read must not see half an appended item).
type fileArchive struct {
	d          *Internal
	host, name string
}

func (a *fileArchive) m() *datamanager.Manager { return &datamanager.Manager{Dir: a.d.Dir()} }

// load is user's items, decoded.
func (a *fileArchive) load(user string) ([]Item, error) {
	raw, err := a.m().ListLoad(user, a.host, a.name)
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(raw))
	for i, r := range raw {
		if items[i], err = decodeItem(r, i); err != nil {
			return nil, fmt.Errorf("%s: item %d: %w", a.m().Path(user, a.host, a.name, "list"), i+1, err)
		}
	}
	return items, nil
}

// store replaces user's list file with items (none removes it).
func (a *fileArchive) store(user string, items []Item) error {
	raw := make([]any, len(items))
	for i, it := range items {
		raw[i] = encodeItem(it)
	}
	return a.m().ListStore(user, a.host, a.name, raw)
}

// encodeItem is the list file item of it.
func encodeItem(it Item) *value.Table {
	var t *value.Table
	if s, ok := it.Value.(*Stanza); ok {
		t = Copy(s.Tree).(*value.Table)
		attr := t.Hash["attr"].(*value.Table)
		if attr.Hash == nil {
			attr.Hash = map[any]any{}
		}
		// Prosody's datetime.datetime: whole seconds, UTC.
		attr.Hash["stamp"] = time.Unix(int64(math.Floor(it.When)), 0).UTC().Format("2006-01-02T15:04:05Z")
	} else {
		t = &value.Table{Hash: map[any]any{plainField: Copy(it.Value)}}
	}
	t.Hash["key"], t.Hash["when"] = it.Key, it.When
	if it.With != "" {
		t.Hash["with"] = it.With
	}
	return t
}

// decodeItem is the item of a list file's entry at position i (from 0),
// as Prosody reads it: a missing key is the position (from 1), a missing
// when the attr.stamp.
func decodeItem(r any, i int) (Item, error) {
	t, ok := r.(*value.Table)
	if !ok {
		return Item{}, fmt.Errorf("a %T, not an archive item (a table)", r)
	}
	it := Item{Key: strconv.Itoa(i + 1)}
	if k, ok := t.Hash["key"].(string); ok {
		it.Key = k
	}
	it.With, _ = t.Hash["with"].(string)
	when, hasWhen := t.Hash["when"].(float64)
	if _, isStanza := t.Hash["name"].(string); isStanza {
		tree := &value.Table{Array: t.Array, Hash: map[any]any{"name": t.Hash["name"]}}
		attr, _ := t.Hash["attr"].(*value.Table)
		clean := &value.Table{Hash: map[any]any{}}
		if attr != nil {
			for k, v := range attr.Hash {
				clean.Hash[k] = v
			}
		}
		if !hasWhen {
			when = parseStamp(clean.Hash["stamp"])
		}
		delete(clean.Hash, "stamp")
		delete(clean.Hash, "stamp_legacy") // an older Prosody's XEP-0091 stamp
		tree.Hash["attr"] = clean
		it.Value = &Stanza{Tree: tree}
	} else if v, ok := t.Hash[plainField]; ok {
		it.Value = v
	} else {
		return Item{}, fmt.Errorf("neither a stanza (no name) nor moonport's plain data (no field %q)", plainField)
	}
	it.When = when
	return it, nil
}

// parseStamp is the time of an XEP-0082 date-time, 0 when it is none.
func parseStamp(v any) float64 {
	s, _ := v.(string)
	for _, layout := range []string{time.RFC3339Nano, "20060102T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return float64(t.UnixNano()) / 1e9
		}
	}
	return 0
}

func (a *fileArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	if err := checkItem(v); err != nil {
		return "", err
	}
	defer a.d.lock(a.host, a.name+".list")()
	if key == "" {
		// A new key is in no item: appended without reading the file, as
		// Prosody does.
		key = NewKey()
		return key, a.m().ListAppend(user, a.host, a.name, encodeItem(Item{Key: key, Value: v, When: when, With: with}))
	}
	items, err := a.load(user)
	if err != nil {
		return "", err
	}
	return key, a.store(user, appendItem(items, Item{Key: key, Value: v, When: when, With: with}))
}

func (a *fileArchive) Find(user string, q Query) ([]Item, int, error) {
	defer a.d.lock(a.host, a.name+".list")()
	items, err := a.load(user)
	if err != nil {
		return nil, -1, err
	}
	return findItems(items, q)
}

func (a *fileArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	if v != nil {
		if err := checkItem(v); err != nil {
			return false, err
		}
	}
	defer a.d.lock(a.host, a.name+".list")()
	items, err := a.load(user)
	if err != nil || !setItem(items, key, v, when, with) {
		return false, err
	}
	return true, a.store(user, items)
}

func (a *fileArchive) Delete(user string, allUsers bool, q Query) (int, error) {
	users := []string{user}
	if allUsers {
		var err error
		if users, err = a.Users(); err != nil {
			return 0, err
		}
	}
	defer a.d.lock(a.host, a.name+".list")()
	n := 0
	for _, u := range users {
		items, err := a.load(u)
		if err != nil {
			return n, err
		}
		kept, gone, err := deleteItems(items, q)
		if err != nil && !allUsers {
			return n, err
		}
		if gone > 0 {
			if err := a.store(u, kept); err != nil {
				return n, err
			}
		}
		n += gone
	}
	return n, nil
}

func (a *fileArchive) Summary(user string, q Query) (map[string]Summary, error) {
	defer a.d.lock(a.host, a.name+".list")()
	items, err := a.load(user)
	if err != nil {
		return nil, err
	}
	return summarize(items, q, true)
}

// Users lists the users with a list file in the store, and "" when the
// host has its own.
func (a *fileArchive) Users() ([]string, error) {
	m := a.m()
	users, err := m.Users(a.host, a.name, "list")
	if _, serr := os.Stat(m.Path("", a.host, a.name, "list")); serr == nil {
		users = append(users, "")
	}
	return users, err
}
