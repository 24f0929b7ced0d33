package bridge

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/moonport/moonport/host/storage"
)

// StoreListing is one store as the console lists it: where it is kept
// and how many users have data in it.
type StoreListing struct {
	storage.StoreInfo
	Driver storage.Backend // 0 for a driver Options gave
}

// Stores lists the stores holding data, of host ("" for every host),
// on each driver: the data folder (internal), the process's memory, and
// the databases the config names (opened for it if they are not yet).
// A driver that fails to answer fails the listing with its error (the
// console shows that line instead of a partial table); the whole
// listing is bounded by storage_timeout.
func (rt *Runtime) Stores(host string) ([]StoreListing, error) {
	c, ok := rt.opts.Storage.(*configuredStorage)
	if !ok {
		l, isLister := rt.opts.Storage.(storage.Lister)
		if !isLister {
			return nil, errors.New("the storage driver cannot list its stores")
		}
		infos, err := l.Stores(host)
		return listings(0, infos), err
	}
	var out []StoreListing
	err := boundedCall(c.calls, rt.storageTimeout(), nil, func() error {
		var errs []error
		for _, d := range []struct {
			b storage.Backend
			l storage.Lister
		}{{storage.BackendInternal, c.internal}, {storage.BackendMemory, c.memory}} {
			infos, err := d.l.Stores(host)
			out = append(out, listings(d.b, infos)...)
			errs = append(errs, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), rt.storageTimeout())
		defer cancel()
		snap := rt.Config()
		for _, u := range rt.storageOptions().SQLUses(snap) {
			db, err := c.sql.get(ctx, u.Params)
			if err == nil {
				var infos []storage.StoreInfo
				infos, err = db.Stores(host)
				out = append(out, listings(storage.BackendSQL, infos)...)
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return nil, fmt.Errorf("listing the stores: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		return a.Name < b.Name
	})
	return out, nil
}

func listings(b storage.Backend, infos []storage.StoreInfo) []StoreListing {
	storage.SortStores(infos)
	out := make([]StoreListing, len(infos))
	for i, info := range infos {
		out[i] = StoreListing{StoreInfo: info, Driver: b}
	}
	return out
}
