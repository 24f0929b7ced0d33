package storage

import (
	"fmt"
	"os"
	"sync"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/value"
)

// Internal is the driver of Prosody's storage "internal" (its default):
// each user's value is a file of Prosody's data folder, as Prosody's
// mod_storage_internal keeps it (host/datamanager), so Prosody and
// moonport read each other's data, and it outlives a restart. A map
// store's keys are the keys of that file's table. Dir is asked at each
// call, so a reload that moves the data folder takes effect.
type Internal struct {
	Dir func() string
	// locks order the read-modify-write of SetKeys, one per store
	// (*sync.Mutex by [host, name]) so that a slow disk under one store
	// holds up no other module's.
	locks sync.Map
}

// lock locks store name of host (name.list: its archive).
func (d *Internal) lock(host, name string) func() {
	mu, _ := d.locks.LoadOrStore([2]string{host, name}, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

// Open returns host's store name.
func (d *Internal) Open(host, name string) (Store, error) {
	return &fileStore{d: d, host: host, name: name}, nil
}

type fileStore struct {
	d          *Internal
	host, name string
}

func (s *fileStore) m() *datamanager.Manager { return &datamanager.Manager{Dir: s.d.Dir()} }

func (s *fileStore) Get(user string) (any, error) { return s.m().Load(user, s.host, s.name) }

func (s *fileStore) Set(user string, v any) error {
	if err := checkKeyval(v); err != nil {
		return err
	}
	defer s.d.lock(s.host, s.name)()
	return s.m().Store(user, s.host, s.name, v)
}

func (s *fileStore) GetKey(user, key string) (any, error) {
	v, err := s.Get(user)
	if t, ok := v.(*value.Table); ok {
		return t.Hash[key], err
	}
	return nil, err
}

func (s *fileStore) SetKeys(user string, keys map[string]any) error {
	for _, v := range keys {
		if err := checkKeyval(v); err != nil {
			return err
		}
	}
	defer s.d.lock(s.host, s.name)()
	m := s.m()
	v, err := m.Load(user, s.host, s.name)
	if err != nil {
		return err
	}
	t, ok := v.(*value.Table)
	if !ok && v != nil {
		return fmt.Errorf("the value of user %q is a %T, not a table of keys", user, v)
	}
	if t == nil {
		t = &value.Table{}
	}
	if t.Hash == nil {
		t.Hash = map[any]any{}
	}
	for k, e := range keys {
		if e == nil {
			delete(t.Hash, k)
		} else {
			t.Hash[k] = e
		}
	}
	return m.Store(user, s.host, s.name, t)
}

// Users lists the users with a file in the store, and "" when the host
// has its own.
func (s *fileStore) Users() ([]string, error) {
	m := s.m()
	users, err := m.Users(s.host, s.name, "keyval")
	if _, serr := os.Stat(m.Path("", s.host, s.name, "dat")); serr == nil {
		users = append(users, "")
	}
	return users, err
}
