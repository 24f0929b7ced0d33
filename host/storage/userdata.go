package storage

import (
	"errors"
	"sort"

	"github.com/moonport/moonport/host/datamanager"
)

// One user's data across the stores of a host, as Prosody's storage
// drivers reach it (driver:stores(username), driver:purge(username)):
// which stores hold it, and removing all of it when an account goes.

// StoreOwner says whose data UserStores looks for.
type StoreOwner struct {
	User string // "" is the host's own data
	// AnyUser asks for the stores in which any user (not the host) has
	// data: Prosody's stores(true). User is then ignored.
	AnyUser bool
}

// has reports whether a store whose owners are users holds o's data.
func (o StoreOwner) has(users []string) bool {
	for _, u := range users {
		if o.AnyUser && u != "" || !o.AnyUser && u == o.User {
			return true
		}
	}
	return false
}

// UserStoreLister is a driver that can list the stores holding one
// owner's data.
type UserStoreLister interface {
	// UserStores lists, sorted, the stores of host of kind in which o
	// has data (keyval for keyval and map stores).
	UserStores(host string, o StoreOwner, kind StoreKind) ([]string, error)
}

// Purger is a driver that can remove one user's data.
type Purger interface {
	// Purge removes user's data from every store of host, keyval, map
	// and archive. user must not be "": the host's own data is no
	// user's.
	Purge(host, user string) error
}

// ErrPurgeHost is every driver's Purge error for the user "".
var ErrPurgeHost = errors.New("purge needs a user name: the host's own data (user \"\") is not purged")

// UserStores lists host's stores of kind in which o has data.
func (m *Memory) UserStores(host string, o StoreOwner, kind StoreKind) ([]string, error) {
	var out []string
	if kind == KindArchive {
		for _, info := range m.archiveOwners(host) {
			if o.has(info.users) {
				out = append(out, info.name)
			}
		}
	} else {
		for _, info := range m.keyvalOwners(host) {
			if o.has(info.users) {
				out = append(out, info.name)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// owners is one store's name and its users (the host's own data "").
type owners struct {
	name  string
	users []string
}

func (m *Memory) keyvalOwners(host string) []owners {
	m.mu.Lock()
	var stores []*memStore
	var names []string
	for k, s := range m.stores {
		if k[0] == host {
			stores, names = append(stores, s), append(names, k[1])
		}
	}
	m.mu.Unlock()
	out := make([]owners, len(stores))
	for i, s := range stores {
		users, _ := s.Users()
		out[i] = owners{names[i], users}
	}
	return out
}

func (m *Memory) archiveOwners(host string) []owners {
	m.archives.mu.Lock()
	var archives []*memArchive
	var names []string
	for k, a := range m.archives.stores {
		if k[0] == host {
			archives, names = append(archives, a), append(names, k[1])
		}
	}
	m.archives.mu.Unlock()
	out := make([]owners, len(archives))
	for i, a := range archives {
		users, _ := a.Users()
		out[i] = owners{names[i], users}
	}
	return out
}

// Purge removes user's values and archive items from every store of
// host.
func (m *Memory) Purge(host, user string) error {
	if user == "" {
		return ErrPurgeHost
	}
	m.mu.Lock()
	for k, s := range m.stores {
		if k[0] == host {
			s.mu.Lock()
			delete(s.users, user)
			s.mu.Unlock()
		}
	}
	m.mu.Unlock()
	m.archives.mu.Lock()
	defer m.archives.mu.Unlock()
	for k, a := range m.archives.stores {
		if k[0] == host {
			a.mu.Lock()
			delete(a.users, user)
			a.mu.Unlock()
		}
	}
	return nil
}

// UserStores lists host's stores of kind in which o has a file: a
// user's STORE/USER.dat (.list for archives), the host's own STORE.dat
// (.list) beside the store folders.
func (d *Internal) UserStores(host string, o StoreOwner, kind StoreKind) ([]string, error) {
	m := &datamanager.Manager{Dir: d.Dir()}
	typ, ext := "keyval", "dat"
	if kind == KindArchive {
		typ, ext = "list", "list"
	}
	var out []string
	switch {
	case o.AnyUser:
		stores, err := m.Stores("", host, typ)
		if err != nil {
			return nil, err
		}
		for _, s := range stores {
			users, err := m.Users(host, s, typ)
			if err != nil {
				return nil, err
			}
			if len(users) > 0 {
				out = append(out, s)
			}
		}
	case o.User == "":
		own, err := hostFiles(m, host, ext)
		if err != nil {
			return nil, err
		}
		for s := range own {
			out = append(out, s)
		}
	default:
		stores, err := m.Stores(o.User, host, typ)
		if err != nil {
			return nil, err
		}
		out = stores
	}
	sort.Strings(out)
	return out, nil
}

// Purge removes user's files (.dat and .list) from every store folder
// of host, as Prosody's datamanager.purge.
func (d *Internal) Purge(host, user string) error {
	if user == "" {
		return ErrPurgeHost
	}
	return (&datamanager.Manager{Dir: d.Dir()}).Purge(user, host)
}

// UserStores lists host's stores of kind in which o has rows: keyval
// and map stores from the table "prosody", archives from
// "prosodyarchive".
func (s *SQL) UserStores(host string, o StoreOwner, kind StoreKind) ([]string, error) {
	table := "prosody"
	if kind == KindArchive {
		table = "prosodyarchive"
	}
	q := `SELECT DISTINCT "store" FROM "` + table + `" WHERE "host"=? AND "user"`
	if o.AnyUser {
		q += `<>?`
		o.User = ""
	} else {
		q += `=?`
	}
	out, err := s.column(q, host, o.User)
	sort.Strings(out)
	return out, err
}

// Purge deletes user's rows of host from both tables, in one
// transaction.
func (s *SQL) Purge(host, user string) error {
	if user == "" {
		return ErrPurgeHost
	}
	return s.inTx(func(t tx) error {
		for _, table := range []string{"prosody", "prosodyarchive"} {
			if _, err := t.exec(`DELETE FROM "`+table+`" WHERE "host"=? AND "user"=?`, host, user); err != nil {
				return err
			}
		}
		return nil
	})
}

// UserStores fails as every call of the null driver does.
func (Null) UserStores(string, StoreOwner, StoreKind) ([]string, error) { return nil, ErrNoStorage }

// Purge fails as every call of the null driver does.
func (Null) Purge(string, string) error { return ErrNoStorage }
