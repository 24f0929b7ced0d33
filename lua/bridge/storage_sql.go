package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/storage"
)

// sqlDB is what the runtime uses of a database, *storage.SQL; tests
// stand in for it to count opens and closes.
type sqlDB interface {
	Open(host, name string) (storage.Store, error)
	OpenArchive(host, name string) (storage.Archive, error)
	Stores(host string) ([]storage.StoreInfo, error)
	storage.UserStoreLister
	storage.Purger
	Close() error
}

// openSQL opens the real driver.
func openSQL(ctx context.Context, p storage.SQLParams) (sqlDB, error) {
	db, err := storage.OpenSQL(ctx, p)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// sqlPool holds one database handle per distinct SQLParams, shared by
// every module and host: opened at its first use, kept while the config
// names it, closed when a reload stops naming it and when the runtime
// stops. A failed open is not kept: the next call tries again (a
// database that was down at startup is used once it is up).
type sqlPool struct {
	open   func(context.Context, storage.SQLParams) (sqlDB, error)
	mu     sync.Mutex // guards dbs and closed, never held while opening or closing
	dbs    map[storage.SQLParams]*sqlConn
	closed bool
}

// sqlConn is one database, ready once open has returned.
type sqlConn struct {
	ready chan struct{}
	db    sqlDB
	err   error
}

func newSQLPool(open func(context.Context, storage.SQLParams) (sqlDB, error)) *sqlPool {
	return &sqlPool{open: open, dbs: map[storage.SQLParams]*sqlConn{}}
}

var errStorageClosed = errors.New("storage: the server is stopping")

// get is the database of p, opened within ctx if it is not yet; calls
// for the same database wait for one open, others go on meanwhile.
func (p *sqlPool) get(ctx context.Context, params storage.SQLParams) (sqlDB, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errStorageClosed
	}
	c := p.dbs[params]
	opener := c == nil
	if opener {
		c = &sqlConn{ready: make(chan struct{})}
		p.dbs[params] = c
	}
	p.mu.Unlock()
	if opener {
		c.db, c.err = p.open(ctx, params)
		if c.err != nil {
			// OpenSQL's errors name the engine and the database already.
			c.err = fmt.Errorf("cannot open the database: %w", c.err)
			p.mu.Lock()
			if p.dbs[params] == c {
				delete(p.dbs, params)
			}
			p.mu.Unlock()
		}
		close(c.ready)
	}
	select {
	case <-c.ready:
		return c.db, c.err
	case <-ctx.Done():
		return nil, fmt.Errorf("storage: opening the %s database %s: %w", params.Engine, params.Database, ctx.Err())
	}
}

// opened lists the databases open now.
func (p *sqlPool) opened() []sqlDB {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []sqlDB
	for _, c := range p.dbs {
		select {
		case <-c.ready:
			if c.db != nil {
				out = append(out, c.db)
			}
		default:
		}
	}
	return out
}

// keep closes the databases whose params keep rejects.
func (p *sqlPool) keep(keep func(storage.SQLParams) bool, log logrus.FieldLogger) {
	p.mu.Lock()
	var gone []*sqlConn
	for params, c := range p.dbs {
		if !keep(params) {
			gone = append(gone, c)
			delete(p.dbs, params)
		}
	}
	p.mu.Unlock()
	closeConns(gone, log)
}

// close closes every database; later calls fail.
func (p *sqlPool) close(log logrus.FieldLogger) {
	p.mu.Lock()
	p.closed = true
	var gone []*sqlConn
	for _, c := range p.dbs {
		gone = append(gone, c)
	}
	p.dbs = map[storage.SQLParams]*sqlConn{}
	p.mu.Unlock()
	closeConns(gone, log)
}

// closeConns closes each database once its open has returned (an open
// is bounded by storage_timeout).
func closeConns(conns []*sqlConn, log logrus.FieldLogger) {
	for _, c := range conns {
		<-c.ready
		if c.db == nil {
			continue
		}
		if err := c.db.Close(); err != nil && log != nil {
			log.WithError(err).Warn("storage: closing a database")
		}
	}
}
