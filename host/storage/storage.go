// Package storage owns the data stores moonport's modules open with
// Prosody's module:open_store: a store is named per host, holds one value
// per user (the host's own data under the user ""), and is either read
// whole (Prosody's "keyval"), by key inside that value (its "map", a
// table keyed by strings), or is an archive (archive.go: per user a list
// of items with key, time and with). Drivers implement Driver and
// ArchiveDriver: Memory (as long as the process), Internal (Prosody's
// data files), SQL (Prosody's tables), Null (no storage: every call
// fails, as Prosody's null driver); each also
// lists and purges one user's data across stores (userdata.go:
// UserStoreLister, Purger), and WithQuota (quota.go) bounds an archive's
// items per user on any of them. Values are
// host/value's plain data (nil, bool, float64, string, *value.Table), or
// in archives a *Stanza; the conversion from and to a Lua state is the
// caller's (lua/bridge), so this package links no Lua.
package storage

import (
	"fmt"

	"github.com/moonport/moonport/host/value"
)

// Driver opens stores. It is safe for concurrent use.
type Driver interface {
	// Open returns the store name of host; every Open of the same host
	// and name reaches the same data.
	Open(host, name string) (Store, error)
}

// Store is one named store of one host. Its methods are safe for
// concurrent use. A value given to Set or SetKeys is copied (or
// persisted) before the call returns, and each Get returns a value of
// its own, so neither side sees the other's later changes.
type Store interface {
	// Get is user's value, nil when there is none.
	Get(user string) (any, error)
	// Set replaces user's value; nil removes it.
	Set(user string, v any) error
	// GetKey is the value at key in user's table, nil when there is none
	// (or user's value is not a table).
	GetKey(user, key string) (any, error)
	// SetKeys sets the keys of user's table (made when there is none)
	// to their values, a nil value removing its key; a table left empty
	// removes user's value. It fails, changing nothing, when user's
	// value is not a table.
	SetKeys(user string, keys map[string]any) error
	// Users lists the users that have a value, in no set order.
	Users() ([]string, error)
}

// Check reports whether v is storable: nil, a bool, a float64, a string,
// or a *value.Table of those (keys bool, float64 or string) with no
// table inside itself; or, as a whole value (archive stores keep them),
// a *Stanza whose Tree is a valid preserialised element (checkTree).
func Check(v any) error {
	if s, ok := v.(*Stanza); ok {
		if s == nil {
			return fmt.Errorf("a nil stanza cannot be stored")
		}
		return checkTree(s.Tree, 0)
	}
	return check(v, nil)
}

// maxStanzaDepth bounds the nesting of a stanza's elements, as the data
// files' parser bounds tables (a tree inside itself stops here).
const maxStanzaDepth = 100

// checkTree reports whether t is an element as util.stanza preserialises
// it: a table whose only fields are name (a non-empty string) and attr (a
// table of string keys to string values), its array part the children
// (strings, or such tables). Any other field is refused: a list file's
// item adds key, when and with beside name and attr.
func checkTree(t any, depth int) error {
	el, ok := t.(*value.Table)
	if !ok {
		return fmt.Errorf("a stanza must be a table (name, attr, children), not a %T", t)
	}
	if depth > maxStanzaDepth {
		return fmt.Errorf("a stanza nested more than %d elements deep (an element inside itself?)", maxStanzaDepth)
	}
	name, _ := el.Hash["name"].(string)
	if name == "" {
		return fmt.Errorf("a stanza element needs a name (a string), not %v", el.Hash["name"])
	}
	attr, ok := el.Hash["attr"].(*value.Table)
	if !ok || len(attr.Array) > 0 {
		return fmt.Errorf("the attributes of stanza element <%s> must be a table of strings, not %T", name, el.Hash["attr"])
	}
	for k, v := range attr.Hash {
		_, kok := k.(string)
		if _, vok := v.(string); !kok || !vok {
			return fmt.Errorf("attribute %v of stanza element <%s> must be a string named by a string, not a %T", k, name, v)
		}
	}
	for k := range el.Hash {
		if k != "name" && k != "attr" {
			return fmt.Errorf("stanza element <%s> has a field %v; only name, attr and children are stored", name, k)
		}
	}
	for _, c := range el.Array {
		if _, ok := c.(string); ok {
			continue
		}
		if err := checkTree(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkKeyval is Check for keyval and map stores, which hold plain data:
// a stanza is an archive store's value only.
func checkKeyval(v any) error {
	if _, ok := v.(*Stanza); ok {
		return fmt.Errorf("a stanza can be stored in an archive store only; store its preserialised table instead")
	}
	return Check(v)
}

func check(v any, seen []*value.Table) error {
	switch x := v.(type) {
	case nil, bool, float64, string:
		return nil
	case *value.Table:
		for _, s := range seen {
			if s == x {
				return fmt.Errorf("a table that contains itself cannot be stored")
			}
		}
		seen = append(seen, x)
		for _, e := range x.Array {
			if err := check(e, seen); err != nil {
				return err
			}
		}
		for k, e := range x.Hash {
			switch k.(type) {
			case bool, float64, string:
			default:
				return fmt.Errorf("a key of type %T cannot be stored", k)
			}
			if err := check(e, seen); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("a value of type %T cannot be stored", v)
	}
}

// Copy is a deep copy of a storable value.
func Copy(v any) any {
	if s, ok := v.(*Stanza); ok && s != nil {
		return &Stanza{Tree: Copy(s.Tree)}
	}
	t, ok := v.(*value.Table)
	if !ok {
		return v
	}
	out := &value.Table{}
	if t.Array != nil {
		out.Array = make([]any, len(t.Array))
		for i, e := range t.Array {
			out.Array[i] = Copy(e)
		}
	}
	if t.Hash != nil {
		out.Hash = make(map[any]any, len(t.Hash))
		for k, e := range t.Hash {
			out.Hash[k] = Copy(e)
		}
	}
	return out
}
