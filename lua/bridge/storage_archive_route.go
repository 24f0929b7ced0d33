package bridge

import (
	"context"

	"github.com/moonport/moonport/host/storage"
)

// Archive stores go where keyval stores go (storage_config.go): the
// driver is looked up at each call from the config in force
// (routedArchive), and a module's calls are bounded as its keyval
// calls are (boundedArchive, over boundedStore's run).

// OpenArchive returns host's archive store name; which driver holds it
// is looked up at each call.
func (c *configuredStorage) OpenArchive(host, name string) (storage.Archive, error) {
	return &routedArchive{c: c, host: host, name: name}, nil
}

// routedArchive is one archive store of one host, on whichever driver
// the config in force names.
type routedArchive struct {
	c          *configuredStorage
	host, name string
}

// open is the archive on the driver in force; a driver without archives
// is storage.ErrUnsupportedStore, as Prosody's storagemanager says.
func (r *routedArchive) open() (storage.Archive, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.c.rt.storageTimeout())
	defer cancel()
	d, err := r.c.driver(ctx, r.host, r.name)
	if err != nil {
		return nil, err
	}
	ad, ok := d.(storage.ArchiveDriver)
	if !ok {
		return nil, storage.ErrUnsupportedStore
	}
	return ad.OpenArchive(r.host, r.name)
}

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
		return nil, -1, err
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

// boundedArchive is an archive store as a module instance sees it: each
// call within storage_timeout and the callback's life (boundedStore.run).
// A call given up on goes on writing its results, so they are read only
// when the call returned.
type boundedArchive struct {
	a storage.Archive
	b *boundedStore // its run only
}

func (b *boundedArchive) Append(user, key string, v any, when float64, with string) (string, error) {
	var k string
	if err := b.b.run(func() (e error) { k, e = b.a.Append(user, key, v, when, with); return e }); err != nil {
		return "", err
	}
	return k, nil
}

func (b *boundedArchive) Find(user string, q storage.Query) (items []storage.Item, total int, err error) {
	err = b.b.run(func() (e error) { items, total, e = b.a.Find(user, q); return e })
	if err != nil {
		return nil, -1, err
	}
	return items, total, nil
}

func (b *boundedArchive) Set(user, key string, v any, when *float64, with *string) (bool, error) {
	var ok bool
	if err := b.b.run(func() (e error) { ok, e = b.a.Set(user, key, v, when, with); return e }); err != nil {
		return false, err
	}
	return ok, nil
}

func (b *boundedArchive) Delete(user string, allUsers bool, q storage.Query) (int, error) {
	var n int
	if err := b.b.run(func() (e error) { n, e = b.a.Delete(user, allUsers, q); return e }); err != nil {
		return 0, err
	}
	return n, nil
}

func (b *boundedArchive) Summary(user string, q storage.Query) (s map[string]storage.Summary, err error) {
	err = b.b.run(func() (e error) { s, e = b.a.Summary(user, q); return e })
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (b *boundedArchive) Users() (users []string, err error) {
	err = b.b.run(func() (e error) { users, e = b.a.Users(); return e })
	if err != nil {
		return nil, err
	}
	return users, nil
}
