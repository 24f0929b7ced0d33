package bridge

import (
	"github.com/moonport/moonport/host/storage"
)

// Archive stores go the way keyval stores do (storage_config.go,
// storage_bound.go): the driver the config in force names, looked up at
// each call, and each call bounded.

// OpenArchive returns host's archive store name.
func (c *configuredStorage) OpenArchive(host, name string) (storage.Archive, error) {
	return &routedArchive{c: c, host: host, name: name}, nil
}

// openArchiveOn is openOn for archives.
func (c *configuredStorage) openArchiveOn(host, name string, pin storage.Backend) storage.Archive {
	return &routedArchive{c: c, host: host, name: name, pin: pin}
}

// archive is the driver's archive host's name is kept in now, with
// the item limit the config sets for it (archiveLimit).
func (c *configuredStorage) archive(host, name string, pin storage.Backend) (storage.Archive, error) {
	b, cfg := c.driverOf(host, name, pin)
	var a storage.Archive
	var err error
	switch b {
	case storage.BackendMemory:
		a, err = c.memory.OpenArchive(host, name)
	case storage.BackendSQL:
		db, dbErr := c.database(cfg.SQL)
		if dbErr != nil {
			return nil, dbErr
		}
		a, err = db.OpenArchive(host, name)
	case storage.BackendNull:
		return storage.Null{}.OpenArchive(host, name)
	default:
		a, err = c.internal.OpenArchive(host, name)
	}
	if err != nil {
		return nil, err
	}
	return storage.WithQuota(a, cfg.ArchiveLimit(b)), nil
}

// archiveLimit is the item limit of host's archive name (on pin when
// set) as the config in force sets it (storage_archive_item_limit, else
// its driver's default), Prosody's caps.quota; 0 for none, and for a
// driver Options gave (tests, the sandbox), which no option limits.
func (rt *Runtime) archiveLimit(host, name string, pin storage.Backend) int {
	c, ok := rt.opts.Storage.(*configuredStorage)
	if !ok {
		return 0
	}
	b, cfg := c.driverOf(host, name, pin)
	if b == storage.BackendNull {
		return 0
	}
	return cfg.ArchiveLimit(b)
}

// routedArchive is one archive store of one host, on whichever driver
// the config in force names.
type routedArchive struct {
	c          *configuredStorage
	host, name string
	pin        storage.Backend // 0: the config's
}

func (r *routedArchive) open() (storage.Archive, error) {
	return r.c.archive(r.host, r.name, r.pin)
}

func (r *routedArchive) waitless() bool { return r.c.waitless(r.host, r.name, r.pin) }

func (r *routedArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	a, err := r.open()
	if err != nil {
		return "", err
	}
	return a.Append(user, key, v, when, with)
}

func (r *routedArchive) Find(user string, q storage.Query) ([]storage.Item, int, error) {
	a, err := r.open()
	if err != nil {
		return nil, 0, err
	}
	return a.Find(user, q)
}

func (r *routedArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	a, err := r.open()
	if err != nil {
		return false, err
	}
	return a.Set(user, key, v, when, with)
}

func (r *routedArchive) Delete(user string, allUsers bool, q storage.Query) (int, error) {
	a, err := r.open()
	if err != nil {
		return 0, err
	}
	return a.Delete(user, allUsers, q)
}

func (r *routedArchive) Summary(user string, q storage.Query) (map[string]storage.Summary, error) {
	a, err := r.open()
	if err != nil {
		return nil, err
	}
	return a.Summary(user, q)
}

func (r *routedArchive) Users() ([]string, error) {
	a, err := r.open()
	if err != nil {
		return nil, err
	}
	return a.Users()
}

// boundedArchive is an archive as a module instance sees it: each call
// bounded as a keyval store's (boundedStore.run).
type boundedArchive struct {
	a storage.Archive
	b boundedStore
}

func (x *boundedArchive) Append(user, key string, v any, when float64, with string) (got string, err error) {
	err = x.b.run(func() (e error) { got, e = x.a.Append(user, key, v, when, with); return e })
	if err != nil {
		return "", err
	}
	return got, nil
}

func (x *boundedArchive) Find(user string, q storage.Query) ([]storage.Item, int, error) {
	var items []storage.Item
	var total int
	if err := x.b.run(func() (e error) { items, total, e = x.a.Find(user, q); return e }); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

func (x *boundedArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	var ok bool
	if err := x.b.run(func() (e error) { ok, e = x.a.Set(user, key, v, when, with); return e }); err != nil {
		return false, err
	}
	return ok, nil
}

func (x *boundedArchive) Delete(user string, allUsers bool, q storage.Query) (int, error) {
	var n int
	if err := x.b.run(func() (e error) { n, e = x.a.Delete(user, allUsers, q); return e }); err != nil {
		return 0, err
	}
	return n, nil
}

func (x *boundedArchive) Summary(user string, q storage.Query) (map[string]storage.Summary, error) {
	var s map[string]storage.Summary
	if err := x.b.run(func() (e error) { s, e = x.a.Summary(user, q); return e }); err != nil {
		return nil, err
	}
	return s, nil
}

func (x *boundedArchive) Users() ([]string, error) {
	var u []string
	if err := x.b.run(func() (e error) { u, e = x.a.Users(); return e }); err != nil {
		return nil, err
	}
	return u, nil
}
