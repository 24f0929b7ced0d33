// Package shareddict owns the shared dictionaries modules reach with
// module:shared_dict(name) (OpenResty's lua_shared_dict): named key/value
// stores held in Go, one per name for the process's life, used at once by
// every copy of every module (each in its own Lua state) and surviving
// module reloads. Values are strings, numbers and booleans with optional
// flags and expiry; each dictionary has a byte capacity and evicts its
// least recently used entries to stay under it.
//
// It knows nothing of Lua (the binding is lua/bridge/lib_moonport_shared.go)
// or of the config (the bridge reads shared_dicts and calls Configure).
package shareddict

import (
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is the type of a stored value.
type Kind uint8

// The kinds of value a dictionary holds.
const (
	KindNone Kind = iota // no value: absent, or expired
	KindString
	KindNumber
	KindBool
)

// Value is a stored value. It is returned by value, so reading a number
// allocates nothing.
type Value struct {
	Kind Kind
	Str  string  // KindString
	Num  float64 // KindNumber
	Bool bool    // KindBool
}

// Errors, worded as OpenResty's ngx.shared.DICT returns them so modules
// written for it test the same strings.
var (
	ErrNotFound  = errors.New("not found")
	ErrExists    = errors.New("exists")
	ErrNotNumber = errors.New("not a number")
	ErrNoMemory  = errors.New("no memory")
	ErrEmptyKey  = errors.New("empty key")
	ErrKeyLength = errors.New("key too long")
)

// MaxKeyLen is the longest key, as OpenResty's.
const MaxKeyLen = 65535

// EntryOverhead is what an entry costs beyond its key and string value
// (the entry struct and its place in the shard's map), counted against
// the capacity so that a dictionary of small entries stays near its cap.
const EntryOverhead = 96

// base is the zero of the monotonic clock expiry is measured on: a wall
// clock step (NTP, an operator) must not expire or revive entries.
var base = time.Now()

func monotonic() int64 { return int64(time.Since(base)) }

// now is the clock; the package's tests move it by hand.
var now = monotonic

// entry is one key; entries of a shard form its LRU list (head.next is the
// most recently used).
type entry struct {
	key        string
	val        Value
	flags      uint32
	expires    int64 // on the monotonic clock (now); 0: never
	size       int64
	prev, next *entry
}

func (e *entry) expired(t int64) bool { return e.expires != 0 && e.expires <= t }

// shard is a part of a dictionary with its own lock, so copies on many
// cores touching different keys do not wait for each other.
type shard struct {
	mu    sync.Mutex
	m     map[string]*entry
	head  entry // sentinel of the LRU list
	bytes int64
	cap   int64
	_     [64]byte // keep neighbouring shards' locks off this cache line
}

// Dict is one named dictionary.
type Dict struct {
	name     string
	seed     maphash.Seed
	shards   []shard
	mask     uint64
	capacity atomic.Int64
}

// maxShards bounds the locks per dictionary; minShardBytes keeps a small
// dictionary from being cut into shards too small to hold a large value.
const (
	maxShards     = 16
	minShardBytes = 64 << 10
)

// New makes a dictionary of capacity bytes.
func New(name string, capacity int64) *Dict {
	n := maxShards
	for n > 1 && capacity/int64(n) < minShardBytes {
		n /= 2
	}
	d := &Dict{name: name, seed: maphash.MakeSeed(), shards: make([]shard, n), mask: uint64(n - 1)}
	for i := range d.shards {
		s := &d.shards[i]
		s.m = map[string]*entry{}
		s.head.prev, s.head.next = &s.head, &s.head
	}
	d.setCapacity(capacity)
	return d
}

// Name is the dictionary's name.
func (d *Dict) Name() string { return d.name }

// Capacity is the byte cap.
func (d *Dict) Capacity() int64 { return d.capacity.Load() }

// setCapacity changes the cap, evicting least recently used entries of a
// shard that is now over it.
func (d *Dict) setCapacity(capacity int64) {
	d.capacity.Store(capacity)
	per := capacity / int64(len(d.shards))
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		s.cap = per
		for s.bytes > s.cap && s.head.prev != &s.head {
			s.remove(s.head.prev)
		}
		s.mu.Unlock()
	}
}

func (d *Dict) shard(key string) *shard {
	if d.mask == 0 {
		return &d.shards[0]
	}
	return &d.shards[maphash.String(d.seed, key)&d.mask]
}

func checkKey(key string) error {
	switch {
	case key == "":
		return ErrEmptyKey
	case len(key) > MaxKeyLen:
		return ErrKeyLength
	}
	return nil
}

// lookup is key's live entry, marked most recently used; nil when absent
// or expired. The caller holds s.mu.
func (s *shard) lookup(key string) *entry {
	e := s.m[key]
	if e == nil || (e.expires != 0 && e.expired(now())) {
		return nil
	}
	s.touch(e)
	return e
}

// touch moves e to the front of the LRU list.
func (s *shard) touch(e *entry) {
	if s.head.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}

func (s *shard) remove(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(s.m, e.key)
	s.bytes -= e.size
}

func sizeOf(key string, v Value) int64 { return int64(len(key)+len(v.Str)) + EntryOverhead }

// expiry turns a time to live in seconds into a deadline; 0 is never.
func expiry(ttl float64) int64 {
	if ttl <= 0 {
		return 0
	}
	return now() + int64(ttl*float64(time.Second))
}
