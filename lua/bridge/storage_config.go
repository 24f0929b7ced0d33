package bridge

import (
	"context"
	"fmt"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/storage"
)

// The storage driver behind module:open_store and core.storagemanager,
// chosen per host and store as Prosody's storagemanager does (decoded
// and checked with the config: config.StorageOptions): "internal" is
// Prosody's data files (storage.Internal in the data folder), "memory"
// keeps data as long as the process, "sql" is the database of the sql
// option, one storage.SQL per distinct database shared by every module
// and host (storage_sql.go). The choice is made at each call, from the
// config in force: a reload that moves a store to another driver moves
// it for every module at once, the ones the reload keeps too.

// configuredStorage is the runtime's driver when Options give none; the
// runtime owns it and closes it when it stops.
type configuredStorage struct {
	rt       *Runtime
	memory   *storage.Memory
	internal *storage.Internal
	sql      *sqlPool
	calls    *taskCount // store calls running (storage_bound.go)
}

func newConfiguredStorage(rt *Runtime) *configuredStorage {
	return &configuredStorage{rt: rt, memory: storage.NewMemory(),
		internal: &storage.Internal{Dir: func() string { return rt.paths()["data"] }},
		sql:      newSQLPool(openSQL), calls: newTaskCount()}
}

// storageOptions are the storage options in force.
func (rt *Runtime) storageOptions() config.StorageOptions {
	if snap := rt.Config(); snap != nil && snap.Options != nil {
		return snap.Options.Storage
	}
	return config.StorageOptions{}
}

// backendOf is the backend the config names for host's store name.
func (rt *Runtime) backendOf(host, name string) (storage.Backend, config.StorageConfig) {
	c := rt.storageOptions().For(host)
	b := c.Backend(name)
	if b == 0 {
		b = storage.BackendInternal // a snapshot not read by ReadOptions (tests)
	}
	return b, c
}

// storageDriver is the name of the driver the config names for host's
// store name (core.storagemanager.get_driver).
func (rt *Runtime) storageDriver(host, name string) string {
	b, _ := rt.backendOf(host, name)
	return b.String()
}

// Open returns host's store name; which driver holds it is looked up
// at each call (routedStore).
func (c *configuredStorage) Open(host, name string) (storage.Store, error) {
	return &routedStore{c: c, host: host, name: name}, nil
}

// openOn returns host's store name on the driver pin (0: the one the
// config names at each call): a driver object's open
// (core.storagemanager.get_driver).
func (c *configuredStorage) openOn(host, name string, pin storage.Backend) storage.Store {
	return &routedStore{c: c, host: host, name: name, pin: pin}
}

// driverOf is the backend of host's store name and host's storage
// options: pin when set, else the one the config names.
func (c *configuredStorage) driverOf(host, name string, pin storage.Backend) (storage.Backend, config.StorageConfig) {
	b, cfg := c.rt.backendOf(host, name)
	if pin != 0 {
		b = pin
	}
	return b, cfg
}

// store is the driver's store host's name is kept in now (on pin when
// set); archive (storage_archive.go) is its archive.
func (c *configuredStorage) store(host, name string, pin storage.Backend) (storage.Store, error) {
	b, cfg := c.driverOf(host, name, pin)
	switch b {
	case storage.BackendInternal:
		return c.internal.Open(host, name)
	case storage.BackendMemory:
		return c.memory.Open(host, name)
	case storage.BackendSQL:
		db, err := c.database(cfg.SQL)
		if err != nil {
			return nil, err
		}
		return db.Open(host, name)
	case storage.BackendNull:
		return storage.Null{}.Open(host, name)
	}
	return nil, fmt.Errorf("storage: no driver %s", b)
}

// reconfigure follows a reload: the databases the new config no longer
// names are closed (the ones it names open at their first call).
func (c *configuredStorage) reconfigure(snap *config.Snapshot) {
	keep := map[storage.SQLParams]bool{}
	if snap.Options != nil {
		for _, u := range snap.Options.Storage.SQLUses(snap) {
			keep[u.Params] = true
		}
	}
	c.sql.keep(func(p storage.SQLParams) bool { return keep[p] }, c.rt.log)
}

// close waits for the store calls running (until ctx is done) and
// closes the databases: the runtime's last step when it stops.
func (c *configuredStorage) close(ctx context.Context) {
	select {
	case <-c.calls.idle():
	case <-ctx.Done():
	}
	c.sql.close(c.rt.log)
}

// routedStore is one store of one host, on whichever driver the config
// in force names (or on pin, when set).
type routedStore struct {
	c          *configuredStorage
	host, name string
	pin        storage.Backend
}

func (s *routedStore) open() (storage.Store, error) { return s.c.store(s.host, s.name, s.pin) }

func (s *routedStore) waitless() bool { return s.c.waitless(s.host, s.name, s.pin) }

// database is the database of params, opened within storage_timeout
// when it is not open yet (the only step of finding a store's driver
// that can wait, so the only one with a timer).
func (c *configuredStorage) database(params storage.SQLParams) (sqlDB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.rt.storageTimeout())
	defer cancel()
	return c.sql.get(ctx, params)
}

// waitless reports whether host's store name is on a driver whose calls
// never wait for I/O (memory, null): they need no bound.
func (c *configuredStorage) waitless(host, name string, pin storage.Backend) bool {
	b, _ := c.driverOf(host, name, pin)
	return b == storage.BackendMemory || b == storage.BackendNull
}

func (s *routedStore) Get(user string) (any, error) {
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	return st.Get(user)
}

func (s *routedStore) Set(user string, v any) error {
	st, err := s.open()
	if err != nil {
		return err
	}
	return st.Set(user, v)
}

func (s *routedStore) GetKey(user, key string) (any, error) {
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	return st.GetKey(user, key)
}

func (s *routedStore) SetKeys(user string, keys map[string]any) error {
	st, err := s.open()
	if err != nil {
		return err
	}
	return st.SetKeys(user, keys)
}

func (s *routedStore) Users() ([]string, error) {
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	return st.Users()
}
