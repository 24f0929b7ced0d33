package storage

import "sync"

// The memory driver's archives: per host and name, each user's list of
// items (archive_list.go does the querying), values copied in and out.

// memArchives is Memory's archive data, made on first use.
type memArchives struct {
	mu     sync.Mutex
	stores map[[2]string]*memArchive
}

// OpenArchive returns host's archive store name, made empty on first use.
func (m *Memory) OpenArchive(host, name string) (Archive, error) {
	m.archives.mu.Lock()
	defer m.archives.mu.Unlock()
	if m.archives.stores == nil {
		m.archives.stores = map[[2]string]*memArchive{}
	}
	k := [2]string{host, name}
	a := m.archives.stores[k]
	if a == nil {
		a = &memArchive{users: map[string][]Item{}}
		m.archives.stores[k] = a
	}
	return a, nil
}

type memArchive struct {
	mu    sync.Mutex
	users map[string][]Item // never empty lists
}

func (a *memArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	if err := checkItem(v); err != nil {
		return "", err
	}
	if key == "" {
		key = NewKey()
	}
	it := copyItem(Item{Key: key, Value: v, When: when, With: with})
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[user] = appendItem(a.users[user], it)
	return key, nil
}

func (a *memArchive) Find(user string, q Query) ([]Item, int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	items, total, err := findItems(a.users[user], q)
	out := make([]Item, len(items))
	for i, it := range items {
		out[i] = copyItem(it)
	}
	return out, total, err
}

func (a *memArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	if v != nil {
		if err := checkItem(v); err != nil {
			return false, err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return setItem(a.users[user], key, v, when, with), nil
}

func (a *memArchive) Delete(user string, allUsers bool, q Query) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	users := []string{user}
	if allUsers {
		users = sortedUsers(a.users)
	}
	n := 0
	for _, u := range users {
		kept, gone, err := deleteItems(a.users[u], q)
		if err != nil && !allUsers {
			return n, err
		}
		n += gone
		if len(kept) == 0 {
			delete(a.users, u)
		} else {
			a.users[u] = kept
		}
	}
	return n, nil
}

func (a *memArchive) Summary(user string, q Query) (map[string]Summary, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return summarize(a.users[user], q, false)
}

func (a *memArchive) Users() ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return sortedUsers(a.users), nil
}
