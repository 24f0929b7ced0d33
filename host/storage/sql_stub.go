package storage

// TEMPORARY: the SQL driver's API as st-sql writes it, so the wiring
// compiles before that branch lands; removed when it is merged.

import (
	"context"
	"errors"
)

// SQL is a stand-in for the SQL driver.
type SQL struct{}

var errStub = errors.New("the SQL driver is not built in yet")

// OpenSQL stands in for the SQL driver's constructor.
func OpenSQL(ctx context.Context, p SQLParams) (*SQL, error) { return nil, errStub }

// Open stands in.
func (*SQL) Open(host, name string) (Store, error) { return nil, errStub }

// Stores stands in.
func (*SQL) Stores(host string) ([]StoreInfo, error) { return nil, errStub }

// Check stands in.
func (*SQL) Check(ctx context.Context) error { return errStub }

// Close stands in.
func (*SQL) Close() error { return nil }
