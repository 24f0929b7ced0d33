package storage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moonport/moonport/host/datamanager"
)

// Stores lists the stores in the data folder: for each store folder of
// a host, a keyval entry counting its users' .dat files and an archive
// entry counting their .list files, when there are any. host "" lists
// every host folder.
func (d *Internal) Stores(host string) ([]StoreInfo, error) {
	m := &datamanager.Manager{Dir: d.Dir()}
	hosts := []string{host}
	if host == "" {
		entries, err := os.ReadDir(m.Dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		hosts = hosts[:0]
		for _, e := range entries {
			if e.IsDir() && e.Name() != "_global" && e.Name()[0] != '.' {
				hosts = append(hosts, datamanager.Decode(e.Name()))
			}
		}
	}
	var out []StoreInfo
	for _, h := range hosts {
		infos, err := hostStores(m, h)
		out = append(out, infos...)
		if err != nil {
			return out, err
		}
	}
	SortStores(out)
	return out, nil
}

// hostStores lists host's stores in the data folder: keyval and archive
// users in each store folder, and a store where only the host has data
// of its own (STORE.dat beside the folders) with no user.
func hostStores(m *datamanager.Manager, h string) ([]StoreInfo, error) {
	stores, err := m.Stores("", h, "")
	if err != nil {
		return nil, err
	}
	own, err := hostFiles(m, h, "dat")
	if err != nil {
		return nil, err
	}
	var out []StoreInfo
	for _, s := range stores {
		for _, k := range []StoreKind{KindKeyval, KindArchive} {
			typ := map[StoreKind]string{KindKeyval: "keyval", KindArchive: "list"}[k]
			users, err := m.Users(h, s, typ)
			if err != nil {
				return out, err
			}
			if len(users) > 0 {
				out = append(out, StoreInfo{Host: h, Name: s, Kind: k, Users: len(users)})
				if k == KindKeyval {
					delete(own, s)
				}
			}
		}
	}
	for s := range own {
		out = append(out, StoreInfo{Host: h, Name: s, Kind: KindKeyval})
	}
	return out, nil
}

// hostFiles are the stores in which host has data of its own (a
// STORE.ext file beside the store folders: ext "dat" for keyval, "list"
// for archives).
func hostFiles(m *datamanager.Manager, host, ext string) (map[string]bool, error) {
	entries, err := os.ReadDir(filepath.Dir(m.Path("", host, "x", "dat")))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	out := map[string]bool{}
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), "."+ext); ok && !e.IsDir() && name != "" && name[0] != '.' {
			out[datamanager.Decode(name)] = true
		}
	}
	return out, err
}

// Stores lists the keyval and archive stores of host ("" for every
// host) that hold data, with the count of their users (the host's own
// data is no user).
func (m *Memory) Stores(host string) ([]StoreInfo, error) {
	out := m.keyvalStores(host)
	m.archives.mu.Lock()
	type entry struct {
		k [2]string
		a *memArchive
	}
	var all []entry
	for k, a := range m.archives.stores {
		if host == "" || k[0] == host {
			all = append(all, entry{k, a})
		}
	}
	m.archives.mu.Unlock()
	for _, e := range all {
		e.a.mu.Lock()
		n, any := len(e.a.users), len(e.a.users) > 0
		if _, own := e.a.users[""]; own {
			n-- // the host's own is no user, as for keyval stores
		}
		e.a.mu.Unlock()
		if any {
			out = append(out, StoreInfo{Host: e.k[0], Name: e.k[1], Kind: KindArchive, Users: n})
		}
	}
	SortStores(out)
	return out, nil
}

func (m *Memory) keyvalStores(host string) []StoreInfo {
	m.mu.Lock()
	type entry struct {
		k [2]string
		s *memStore
	}
	var all []entry
	for k, s := range m.stores {
		if host == "" || k[0] == host {
			all = append(all, entry{k, s})
		}
	}
	m.mu.Unlock()
	var out []StoreInfo
	for _, e := range all {
		e.s.mu.Lock()
		n, any := len(e.s.users), len(e.s.users) > 0
		if _, own := e.s.users[""]; own {
			n--
		}
		e.s.mu.Unlock()
		if any {
			out = append(out, StoreInfo{Host: e.k[0], Name: e.k[1], Kind: KindKeyval, Users: n})
		}
	}
	return out
}

// SortStores orders infos by host, name and kind, as listings show them.
func SortStores(infos []StoreInfo) {
	sort.Slice(infos, func(i, j int) bool {
		a, b := infos[i], infos[j]
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Kind < b.Kind
	})
}
