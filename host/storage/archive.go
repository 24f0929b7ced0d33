package storage

// Prosody's third store type, "archive": per user, an ordered list of
// items, each with a key (unique in the user's archive), a value, a time
// and a "with" (whom the item concerns: a JID in Prosody, any string
// here). Module code reaches it through module:open_store(name,
// "archive"); the query fields mirror Prosody's query table.

// ArchiveDriver opens archive stores. Every driver of this package is
// one; it is a separate interface so a Driver can be written without.
type ArchiveDriver interface {
	// OpenArchive returns host's archive store name; every call with the
	// same host and name reaches the same data.
	OpenArchive(host, name string) (Archive, error)
}

// Item is one item of an archive.
type Item struct {
	Key   string
	Value any     // storable data (Check) or a *Stanza
	When  float64 // seconds since the Unix epoch
	With  string
}

// Stanza is an XML element as Prosody's util.stanza preserialises it: a
// table with name, attr (a table of strings) and the children in its
// array part (strings for text, tables like this one for elements). The
// Lua side converts util.stanza objects from and to it; drivers keep it
// as Prosody does (the internal driver as that table, the SQL driver as
// XML text of type "xml").
type Stanza struct{ Tree any }

// Query selects items, as Prosody's archive query table. A zero Query
// selects every item, oldest first.
type Query struct {
	Start, End *float64 // inclusive bounds on When
	With       *string
	Key        string   // "" for any
	IDs        []string // nil for any
	// Before and After are keys: only items strictly before (after) the
	// item with that key, in the query's order; an unknown key is
	// ErrItemNotFound.
	Before, After string
	Limit         int // < 0 for none
	Reverse       bool
	// Total asks Find for the count of items matching the filters
	// (before Before/After/Limit apply).
	Total bool
	// Truncate (Delete only, >= 0 to use) keeps the newest Truncate of the
	// matching items (the oldest with Reverse) and deletes the rest.
	Truncate int
}

// NewQuery is a Query with no limit and no truncation.
func NewQuery() Query { return Query{Limit: -1, Truncate: -1} }

// Summary is what Archive.Summary reports per With value.
type Summary struct {
	Count            int
	Earliest, Latest float64
	// Body is the text of the last <body/> of the stanzas counted, as
	// Prosody's internal driver reports it; nil when none has one, and
	// always on the other drivers (Prosody's do not report it).
	Body *string
}

// Archive is one named archive store of one host; its methods are safe
// for concurrent use, and values are copied in and out as in Store.
type Archive interface {
	// Append adds v for user with the given time and with; key "" gets a
	// new unique key, an existing key replaces that item. It returns the
	// key.
	Append(user, key string, v any, when float64, with string) (string, error)
	// Find is the items of user matching q, and the total when q.Total
	// (else -1).
	Find(user string, q Query) (items []Item, total int, err error)
	// Set changes the item with key: its value when v is not nil, its time
	// and with when given. It reports whether there was such an item.
	Set(user, key string, v any, when *float64, with *string) (bool, error)
	// Delete removes user's items matching q (every user's when allUsers)
	// and returns how many.
	Delete(user string, allUsers bool, q Query) (int, error)
	// Summary counts user's items matching q by With.
	Summary(user string, q Query) (map[string]Summary, error)
	// Users lists the users with items.
	Users() ([]string, error)
}

// errorString is a constant error.
type errorString string

func (e errorString) Error() string { return string(e) }

// The errors Prosody's archive stores return by these names.
const (
	ErrItemNotFound        = errorString("item-not-found")
	ErrQuotaLimit          = errorString("quota-limit")
	ErrUnsupportedStore    = errorString("unsupported-store")
	ErrUnsupportedDatatype = errorString("unsupported-datatype")
)
