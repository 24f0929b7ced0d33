package storage

// Null is Prosody's storage "null": there is no storage, and every call
// of every store says so with ErrNoStorage, as Prosody's null driver
// answers false, "no data storage active" to any method (a module then
// takes its usual path for a storage failure, instead of believing a
// write that went nowhere). Listing stores is not a store call: it lists
// none. Null keeps no state; the zero value is ready.
type Null struct{}

// ErrNoStorage is every store call's error under the null driver, worded
// as Prosody's.
const ErrNoStorage = errorString("no data storage active")

// Open returns a store whose every call fails with ErrNoStorage.
func (Null) Open(host, name string) (Store, error) { return nullStore{}, nil }

// OpenArchive returns an archive whose every call fails with
// ErrNoStorage.
func (Null) OpenArchive(host, name string) (Archive, error) { return nullArchive{}, nil }

// Stores lists no store: none holds data.
func (Null) Stores(host string) ([]StoreInfo, error) { return nil, nil }

// nullStore is Null's keyval and map store.
type nullStore struct{}

func (nullStore) Get(string) (any, error)              { return nil, ErrNoStorage }
func (nullStore) GetKey(string, string) (any, error)   { return nil, ErrNoStorage }
func (nullStore) Users() ([]string, error)             { return nil, ErrNoStorage }
func (nullStore) SetKeys(string, map[string]any) error { return ErrNoStorage }
func (nullStore) Set(string, any) error                { return ErrNoStorage }

// nullArchive is Null's archive store.
type nullArchive struct{}

func (nullArchive) Append(string, string, any, float64, string) (string, error) {
	return "", ErrNoStorage
}
func (nullArchive) Find(string, Query) ([]Item, int, error) { return nil, -1, ErrNoStorage }
func (nullArchive) Set(string, string, any, *float64, *string) (bool, error) {
	return false, ErrNoStorage
}
func (nullArchive) Delete(string, bool, Query) (int, error)           { return 0, ErrNoStorage }
func (nullArchive) Summary(string, Query) (map[string]Summary, error) { return nil, ErrNoStorage }
func (nullArchive) Users() ([]string, error)                          { return nil, ErrNoStorage }
