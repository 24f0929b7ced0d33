package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/moonport/moonport/host/storage"
)

// One user's data on a host, across stores (core.storagemanager's purge
// and its driver objects' stores and purge): the driver of each backend
// the host's storage options use, as Prosody's storagemanager reaches
// each storage module it loaded.

// openStore is host's store name: on the driver pin when set (the
// configured storage's; a driver Options gave is the one driver),
// else on the one the config names at each call.
func (rt *Runtime) openStore(host, name string, pin storage.Backend) (storage.Store, error) {
	if c, ok := rt.opts.Storage.(*configuredStorage); ok && pin != 0 {
		return c.openOn(host, name, pin), nil
	}
	return rt.storage().Open(host, name)
}

// openArchive is openStore for archives.
func (rt *Runtime) openArchive(host, name string, pin storage.Backend) (storage.Archive, error) {
	if c, ok := rt.opts.Storage.(*configuredStorage); ok && pin != 0 {
		return c.openArchiveOn(host, name, pin), nil
	}
	d, ok := rt.storage().(storage.ArchiveDriver)
	if !ok {
		return nil, storage.ErrUnsupportedStore
	}
	return d.OpenArchive(host, name)
}

// userDataDriver is what a driver must be to list and purge a user's
// data.
type userDataDriver interface {
	storage.UserStoreLister
	storage.Purger
}

// driverFor is the driver that keeps host's stores named b: the
// configured storage's (the sql one of host's sql option), or the
// driver Options gave (tests, the sandbox), whatever b.
func (rt *Runtime) driverFor(ctx context.Context, host string, b storage.Backend) (userDataDriver, error) {
	c, ok := rt.opts.Storage.(*configuredStorage)
	if !ok {
		d, ok := rt.opts.Storage.(userDataDriver)
		if !ok {
			return nil, errors.New("the storage driver cannot list or remove a user's data")
		}
		return d, nil
	}
	switch b {
	case storage.BackendMemory:
		return c.memory, nil
	case storage.BackendSQL:
		return c.sql.get(ctx, rt.storageOptions().For(host).SQL)
	case storage.BackendNull:
		return storage.Null{}, nil
	}
	return c.internal, nil
}

// hostBackends are the backends host's storage options use; with
// files, which Prosody's storagemanager purges in every case (its data
// folder may hold a user's list stores of old).
func (rt *Runtime) hostBackends(host string) []storage.Backend {
	cfg := rt.storageOptions().For(host)
	out := []storage.Backend{storage.BackendInternal}
	for _, b := range []storage.Backend{storage.BackendSQL, storage.BackendMemory} {
		if cfg.Uses(b) {
			out = append(out, b)
		}
	}
	return out
}

// userDataCall runs fn on host's driver of backend b for inst, bounded
// as a store call (storage_bound.go).
func userDataCall(inst *Instance, host string, b storage.Backend, fn func(userDataDriver) error) error {
	call := &boundedStore{inst: inst, name: fmt.Sprintf("%s storage of %s", b, host)}
	return call.run(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), inst.rt.storageTimeout())
		defer cancel()
		d, err := inst.rt.driverFor(ctx, host, b)
		if err != nil {
			return err
		}
		return fn(d)
	})
}

// purgeUser removes user's data from every driver host's stores use
// (the null driver keeps none to remove).
func purgeUser(inst *Instance, host, user string) error {
	if user == "" {
		return storage.ErrPurgeHost // once, not once per driver
	}
	var errs []error
	for _, b := range inst.rt.hostBackends(host) {
		errs = append(errs, userDataCall(inst, host, b, func(d userDataDriver) error { return d.Purge(host, user) }))
	}
	return errors.Join(errs...)
}
