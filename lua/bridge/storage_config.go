package bridge

import (
	"fmt"

	"github.com/moonport/moonport/host/storage"
)

// The storage driver behind module:open_store and core.storagemanager,
// chosen per host and store as Prosody's storagemanager does: the
// option storage (a driver name, or a table of them by store name),
// else default_storage, else "internal" — Prosody's data files
// (storage.Internal in the data folder). "memory" keeps data as long as
// the process. Other drivers (sql, …) are Prosody's XMPP server's.

// configuredStorage is the runtime's driver when Options give none.
type configuredStorage struct {
	rt       *Runtime
	memory   *storage.Memory
	internal *storage.Internal
}

func newConfiguredStorage(rt *Runtime) *configuredStorage {
	return &configuredStorage{rt: rt, memory: storage.NewMemory(),
		internal: &storage.Internal{Dir: func() string { return rt.paths()["data"] }}}
}

// storageDriver is the driver the config names for host's store name.
func (rt *Runtime) storageDriver(host, name string) string {
	snap := rt.Config()
	rt.noteOption("storage")
	rt.noteOption("default_storage")
	switch v := snap.Value(host, "storage").(type) {
	case string:
		return v
	case interface{ Field(string) any }:
		if s, ok := v.Field(name).(string); ok {
			return s
		}
	}
	if s, ok := snap.Value(host, "default_storage").(string); ok {
		return s
	}
	return "internal"
}

// Open opens host's store name with the driver the config names.
func (c *configuredStorage) Open(host, name string) (storage.Store, error) {
	switch d := c.rt.storageDriver(host, name); d {
	case "internal":
		return c.internal.Open(host, name)
	case "memory":
		return c.memory.Open(host, name)
	default:
		return nil, fmt.Errorf("storage %q for store %q: moonport has the drivers internal and memory", d, name)
	}
}

// OpenArchive opens host's archive store name with the driver the config
// names, as Open.
func (c *configuredStorage) OpenArchive(host, name string) (storage.Archive, error) {
	switch d := c.rt.storageDriver(host, name); d {
	case "internal":
		return c.internal.OpenArchive(host, name)
	case "memory":
		return c.memory.OpenArchive(host, name)
	default:
		return nil, fmt.Errorf("storage %q for archive store %q: moonport has the drivers internal and memory", d, name)
	}
}
