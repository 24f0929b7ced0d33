package datamanager

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ListLoad is the items of user's list store on host, nil when there is
// none.
func (m *Manager) ListLoad(user, host, store string) ([]any, error) {
	path := m.Path(user, host, store, "list")
	src, err := readFile(path)
	if err != nil || src == nil {
		return nil, err
	}
	items, err := ParseList(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if items == nil {
		items = []any{}
	}
	return items, nil
}

// ListStore replaces the items of user's list store; none removes it.
func (m *Manager) ListStore(user, host, store string, items []any) error {
	if len(items) == 0 {
		return removeFile(m.Path(user, host, store, "list"))
	}
	var b strings.Builder
	for _, it := range items {
		line, err := ListLine(it)
		if err != nil {
			return err
		}
		b.WriteString(line)
	}
	path, err := m.MakePath(user, host, store, "list")
	if err != nil {
		return err
	}
	return WriteAtomic(path, []byte(b.String()))
}

// ListAppend adds item at the end of user's list store.
func (m *Manager) ListAppend(user, host, store string, item any) error {
	line, err := ListLine(item)
	if err != nil {
		return err
	}
	_, err = m.AppendRaw(user, host, store, "list", []byte(line))
	return err
}

// AppendRaw appends data to user's store file with extension ext, made
// when missing; the offset it was written at.
func (m *Manager) AppendRaw(user, host, store, ext string, data []byte) (int64, error) {
	path, err := m.MakePath(user, host, store, ext)
	if err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o640)
	if err != nil {
		return 0, err
	}
	pos, err := f.Seek(0, 2)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Truncate(pos) // no half item left behind
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return pos, err
}

// typeExt is the file extension of a store type: "keyval" (or "") is
// .dat, "list" .list, any other its own name, as in Prosody.
func typeExt(typ string) string {
	switch typ {
	case "", "keyval":
		return "dat"
	case "list":
		return "list"
	}
	return typ
}

// Users is the users with a file of type typ in store on host, sorted.
func (m *Manager) Users(host, store, typ string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(m.hostDir(host), StoreEncode(store)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), "."+typeExt(typ)); ok && !e.IsDir() && !strings.HasPrefix(name, ".") {
			out = append(out, Decode(name))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Stores is the stores of host that user has a file of type typ in, or,
// with user "", every store folder of host; sorted.
func (m *Manager) Stores(user, host, typ string) ([]string, error) {
	entries, err := os.ReadDir(m.hostDir(host))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		store := Decode(e.Name())
		if user != "" {
			if _, err := os.Stat(m.Path(user, host, store, typeExt(typ))); err != nil {
				continue
			}
		}
		out = append(out, store)
	}
	sort.Strings(out)
	return out, nil
}

// Purge removes every .dat and .list file of user on host.
func (m *Manager) Purge(user, host string) error {
	if user == "" {
		return errors.New("purge: a user is needed")
	}
	stores, err := m.Stores("", host, "")
	var errs []error
	for _, s := range stores {
		errs = append(errs, removeFile(m.Path(user, host, s, "dat")), removeFile(m.Path(user, host, s, "list")))
	}
	return errors.Join(append(errs, err)...)
}
