package storage

// Null is Prosody's storage "null": every store is empty and stays so.
// Reads find nothing, writes of storable values succeed and are dropped
// (a value Check refuses is still an error, so a module's mistake shows
// the same on every driver). It keeps no state; the zero value is ready.
type Null struct{}

// Open returns an always empty store.
func (Null) Open(host, name string) (Store, error) { return nullStore{}, nil }

// OpenArchive returns an always empty archive store.
func (Null) OpenArchive(host, name string) (Archive, error) { return nullArchive{}, nil }

// Stores lists no store: none holds data.
func (Null) Stores(host string) ([]StoreInfo, error) { return nil, nil }

// nullStore is Null's keyval and map store.
type nullStore struct{}

func (nullStore) Get(string) (any, error)            { return nil, nil }
func (nullStore) GetKey(string, string) (any, error) { return nil, nil }
func (nullStore) Users() ([]string, error)           { return nil, nil }

func (nullStore) SetKeys(_ string, keys map[string]any) error {
	for _, v := range keys {
		if err := checkKeyval(v); err != nil {
			return err
		}
	}
	return nil
}

func (nullStore) Set(_ string, v any) error { return checkKeyval(v) }

// nullArchive is Null's archive store.
type nullArchive struct{}

func (nullArchive) Append(_, key string, v any, _ float64, _ string) (string, error) {
	if err := checkItem(v); err != nil {
		return "", err
	}
	if key == "" {
		key = NewKey()
	}
	return key, nil
}

// Find finds nothing; a Before or After key is unknown, as in an empty
// archive of any driver.
func (nullArchive) Find(_ string, q Query) ([]Item, int, error) { return findItems(nil, q) }

// Set finds no item to change.
func (nullArchive) Set(_, _ string, v any, _ *float64, _ *string) (bool, error) {
	if v != nil {
		return false, checkItem(v)
	}
	return false, nil
}

func (nullArchive) Delete(string, bool, Query) (int, error) { return 0, nil }

func (nullArchive) Summary(_ string, q Query) (map[string]Summary, error) { return summarize(nil, q) }

func (nullArchive) Users() ([]string, error) { return nil, nil }
