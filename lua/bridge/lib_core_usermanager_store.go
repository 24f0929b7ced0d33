package bridge

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"

	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/host/value"
)

// The user provider behind core.usermanager: Prosody's own account store
// (authentication = "internal_hashed", its default, or "internal_plain"),
// read where Prosody keeps it: the host's store "accounts" on the driver
// the storage options name for it (storage_config.go: the data folder
// by default, the database with storage = "sql" or
// storage = { accounts = "sql" }), each read bounded as a module's store
// call (storage_bound.go). So the accounts prosodyctl made (prosodyctl
// register, adduser) with the same storage config work in moonport as
// they are, and those moonport makes (lib_core_usermanager_write.go)
// work in Prosody. A hashed account (SCRAM: salt, iteration count, stored
// and server key) is checked by deriving the keys from the password
// offered and comparing in constant time; a plain password is kept only
// by internal_plain, as Prosody's.

// account is one user's record in the store.
type account struct {
	storedKey, serverKey, salt string // hex, hex, raw
	iterations                 int
	password                   string // internal_plain's; "" when hashed
}

// userStore is the account store of one host.
type userStore struct {
	data     storage.Store // the host's store "accounts", bounded
	host     string
	hash     func() hash.Hash // of password_hash ("SHA-1" or "SHA-256")
	provider string           // the authentication option
}

// errNoProvider is the answer of a host whose authentication moonport
// cannot provide.
var errNoProvider = errors.New("no such authentication provider")

// accountsStore is the name of Prosody's account store.
const accountsStore = "accounts"

// accountsOf is host's account store as the running config says, its
// reads made by inst (bounded as inst's store calls are).
func accountsOf(inst *Instance, host string) (*userStore, error) {
	rt := inst.rt
	snap := rt.Config()
	if host != "*" && snap.Host(host) == nil {
		return nil, fmt.Errorf("host %s is not in the config", host)
	}
	rt.noteOption("authentication")
	rt.noteOption("password_hash")
	s := &userStore{provider: "internal_hashed", hash: sha1.New}
	if v, ok := snap.Value(host, "authentication").(string); ok {
		s.provider = v
	}
	if s.provider != "internal_hashed" && s.provider != "internal_plain" {
		return nil, fmt.Errorf("%w: authentication = %q (moonport reads Prosody's internal_hashed and internal_plain accounts)", errNoProvider, s.provider)
	}
	switch v := snap.Value(host, "password_hash"); v {
	case nil, "SHA-1":
	case "SHA-256":
		s.hash = sha256.New
	default:
		return nil, fmt.Errorf("password_hash = %v: SCRAM-SHA-1 or SCRAM-SHA-256 only", v)
	}
	st, err := rt.storage().Open(host, accountsStore)
	if err != nil {
		return nil, fmt.Errorf("opening the store %q of %s: %w", accountsStore, host, err)
	}
	b := bound(inst, accountsStore, st)
	s.data, s.host = &b, host
	return s, nil
}

// get reads user's account; nil without error when there is none.
func (s *userStore) get(user string) (*account, error) {
	if user == "" {
		return nil, nil // the host's own data is no account
	}
	v, err := s.data.Get(user)
	if err != nil || v == nil {
		return nil, err
	}
	t, ok := v.(*value.Table)
	if !ok {
		return nil, fmt.Errorf("account %s: not a table", user)
	}
	a := &account{}
	a.storedKey, _ = t.Field("stored_key").(string)
	a.serverKey, _ = t.Field("server_key").(string)
	a.salt, _ = t.Field("salt").(string)
	if n, ok := t.Field("iteration_count").(float64); ok {
		a.iterations = int(n)
	}
	a.password, _ = t.Field("password").(string)
	return a, nil
}

// verify reports whether password (SASLprep'd already) is the account's.
func (s *userStore) verify(a *account, password string) bool {
	if a.password != "" {
		return subtle.ConstantTimeCompare([]byte(a.password), []byte(password)) == 1
	}
	if a.iterations < 1 || a.salt == "" {
		return false
	}
	storedKey, serverKey := scramKeys(s.hash, password, a.salt, a.iterations)
	stored, server := hex.EncodeToString(storedKey), hex.EncodeToString(serverKey)
	okStored := subtle.ConstantTimeCompare([]byte(stored), []byte(a.storedKey))
	okServer := subtle.ConstantTimeCompare([]byte(server), []byte(a.serverKey))
	return okStored&okServer == 1
}

// users lists the store's user names, sorted (the host's own data, user
// "", is no account).
func (s *userStore) users() ([]string, error) {
	all, err := s.data.Users()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(all))
	for _, u := range all {
		if u != "" {
			names = append(names, u)
		}
	}
	sort.Strings(names)
	return names, nil
}
