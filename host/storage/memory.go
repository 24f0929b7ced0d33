package storage

import (
	"fmt"
	"sync"

	"github.com/moonport/moonport/host/value"
)

// Memory is the in-memory driver, Prosody's storage "memory": data lives
// as long as the Memory value does. The zero value is not usable; make
// one with NewMemory.
type Memory struct {
	mu       sync.Mutex
	stores   map[[2]string]*memStore // by host and store name
	archives memArchives
}

// NewMemory is an empty in-memory driver.
func NewMemory() *Memory { return &Memory{stores: map[[2]string]*memStore{}} }

// Open returns host's store name, made empty on first use.
func (m *Memory) Open(host, name string) (Store, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{host, name}
	s := m.stores[k]
	if s == nil {
		s = &memStore{users: map[string]any{}}
		m.stores[k] = s
	}
	return s, nil
}

type memStore struct {
	mu    sync.Mutex
	users map[string]any // never nil values
}

func (s *memStore) Get(user string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Copy(s.users[user]), nil
}

func (s *memStore) Set(user string, v any) error {
	if err := checkKeyval(v); err != nil {
		return err
	}
	v = Copy(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == nil {
		delete(s.users, user)
	} else {
		s.users[user] = v
	}
	return nil
}

func (s *memStore) GetKey(user, key string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.users[user].(*value.Table); ok {
		return Copy(t.Hash[key]), nil
	}
	return nil, nil
}

func (s *memStore) SetKeys(user string, keys map[string]any) error {
	for _, v := range keys {
		if err := checkKeyval(v); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.users[user].(*value.Table)
	if !ok && s.users[user] != nil {
		return fmt.Errorf("the value of user %q is a %T, not a table of keys", user, s.users[user])
	}
	if t == nil {
		t = &value.Table{}
	}
	if t.Hash == nil {
		t.Hash = map[any]any{}
	}
	for k, v := range keys {
		if v == nil {
			delete(t.Hash, k)
		} else {
			t.Hash[k] = Copy(v)
		}
	}
	if len(t.Hash) == 0 && len(t.Array) == 0 {
		delete(s.users, user)
	} else {
		s.users[user] = t
	}
	return nil
}

func (s *memStore) Users() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.users))
	for u := range s.users {
		out = append(out, u)
	}
	return out, nil
}
