package shareddict

import "time"

// Mode says what Set does with a key that is present or absent and with
// a dictionary that is full.
type Mode uint8

// The modes of Set, as OpenResty's set, safe_set, add, safe_add and
// replace.
const (
	ModeSet     Mode = iota // store, evicting the least recently used entries when full
	ModeSafeSet             // store, failing with ErrNoMemory rather than evict a live entry
	ModeAdd                 // store only when absent (ErrExists), evicting when full
	ModeSafeAdd             // add without evicting live entries
	ModeReplace             // store only when present (ErrNotFound)
)

func (m Mode) safe() bool { return m == ModeSafeSet || m == ModeSafeAdd }

// Get is key's value and flags; Kind is KindNone when it is absent or
// expired.
func (d *Dict) Get(key string) (Value, uint32) {
	s := d.shard(key)
	s.mu.Lock()
	e := s.lookup(key)
	if e == nil {
		s.mu.Unlock()
		return Value{}, 0
	}
	v, f := e.val, e.flags
	s.mu.Unlock()
	return v, f
}

// GetStale is Get that also returns an expired value not yet removed,
// with stale true.
func (d *Dict) GetStale(key string) (v Value, flags uint32, stale bool) {
	s := d.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		return Value{}, 0, false
	}
	return e.val, e.flags, e.expired(now())
}

// Set stores v under key for ttl seconds (0: no expiry) with flags, as
// mode says; a value of KindNone deletes key. forcible reports that live
// entries were evicted to make room.
func (d *Dict) Set(key string, v Value, ttl float64, flags uint32, mode Mode) (forcible bool, err error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	s := d.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(key)
	switch {
	case mode == ModeReplace && e == nil:
		return false, ErrNotFound
	case (mode == ModeAdd || mode == ModeSafeAdd) && e != nil:
		return false, ErrExists
	case v.Kind == KindNone:
		if old := s.m[key]; old != nil {
			s.remove(old)
		}
		return false, nil
	}
	return s.put(key, v, expiry(ttl), flags, mode.safe())
}

// put stores a value, reusing key's entry (live or expired) when there is
// one so that overwriting a number allocates nothing. The caller holds
// s.mu.
func (s *shard) put(key string, v Value, expires int64, flags uint32, safe bool) (bool, error) {
	size := sizeOf(key, v)
	if size > s.cap {
		return false, ErrNoMemory
	}
	e := s.m[key]
	grow := size
	if e != nil {
		grow -= e.size
	}
	forcible, err := s.makeRoom(grow, e, safe)
	if err != nil {
		return forcible, err
	}
	if e == nil {
		e = &entry{key: key}
		s.m[key] = e
		e.prev, e.next = s.head.prev, &s.head
		s.head.prev.next = e
		s.head.prev = e
	}
	s.bytes += size - e.size
	e.val, e.flags, e.expires, e.size = v, flags, expires, size
	s.touch(e)
	return forcible, nil
}

// makeRoom frees grow bytes from the LRU end (keeping keep): expired
// entries first, as they come, then live ones unless safe. It also drops
// up to two expired entries at the end even when there is room, as
// OpenResty does on every store, so that dead entries do not pile up.
func (s *shard) makeRoom(grow int64, keep *entry, safe bool) (forcible bool, err error) {
	var t int64
	for i := 0; i < 2; i++ {
		last := s.head.prev
		if last == &s.head || last == keep || last.expires == 0 {
			break
		}
		if t == 0 {
			t = now()
		}
		if !last.expired(t) {
			break
		}
		s.remove(last)
	}
	for s.bytes+grow > s.cap {
		last := s.head.prev
		if last == keep {
			last = keep.prev
		}
		if last == &s.head {
			return forcible, ErrNoMemory
		}
		if !last.expired(now()) {
			if safe {
				return forcible, ErrNoMemory
			}
			forcible = true
		}
		s.remove(last)
	}
	return forcible, nil
}

// Incr adds n to key's number and returns the sum. An absent key fails
// with ErrNotFound unless hasInit: then it starts at init, expiring after
// initTTL seconds (0: never); a present key keeps its expiry.
func (d *Dict) Incr(key string, n float64, hasInit bool, init, initTTL float64) (sum float64, forcible bool, err error) {
	if err := checkKey(key); err != nil {
		return 0, false, err
	}
	s := d.shard(key)
	s.mu.Lock()
	// Unlocked by hand, not deferred: this is the hot path of every
	// counter and rate limiter.
	if e := s.lookup(key); e != nil {
		if e.val.Kind != KindNumber {
			s.mu.Unlock()
			return 0, false, ErrNotNumber
		}
		e.val.Num += n
		sum = e.val.Num
		s.mu.Unlock()
		return sum, false, nil
	}
	if !hasInit {
		s.mu.Unlock()
		return 0, false, ErrNotFound
	}
	sum = init + n
	forcible, err = s.put(key, Value{Kind: KindNumber, Num: sum}, expiry(initTTL), 0, false)
	s.mu.Unlock()
	return sum, forcible, err
}

// Delete removes key.
func (d *Dict) Delete(key string) {
	s := d.shard(key)
	s.mu.Lock()
	if e := s.m[key]; e != nil {
		s.remove(e)
	}
	s.mu.Unlock()
}

// Expire sets key's time to live in seconds (0: never expires).
func (d *Dict) Expire(key string, ttl float64) error {
	s := d.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(key)
	if e == nil {
		return ErrNotFound
	}
	e.expires = expiry(ttl)
	return nil
}

// TTL is key's remaining time to live in seconds, 0 when it never expires.
func (d *Dict) TTL(key string) (float64, error) {
	s := d.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(key)
	if e == nil {
		return 0, ErrNotFound
	}
	if e.expires == 0 {
		return 0, nil
	}
	return float64(e.expires-now()) / float64(time.Second), nil
}

// Keys lists up to max live keys (0: all), in no particular order.
func (d *Dict) Keys(max int) []string {
	var keys []string
	t := now()
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if max > 0 && len(keys) >= max {
				break
			}
			if !e.expired(t) {
				keys = append(keys, k)
			}
		}
		s.mu.Unlock()
	}
	return keys
}

// FlushAll removes every entry.
func (d *Dict) FlushAll() {
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.head.prev, s.head.next = &s.head, &s.head
		s.bytes = 0
		s.mu.Unlock()
	}
}

// FlushExpired removes up to max expired entries (0: all) and says how
// many it removed.
func (d *Dict) FlushExpired(max int) int {
	n := 0
	t := now()
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		for _, e := range s.m {
			if max > 0 && n >= max {
				break
			}
			if e.expired(t) {
				s.remove(e)
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}

// Stats is what the console shows of a dictionary.
type Stats struct {
	Name     string
	Entries  int   // stored, expired ones not yet removed included
	Bytes    int64 // counted against Capacity (keys, strings, EntryOverhead each)
	Capacity int64
}

// Stats counts the dictionary's entries and bytes.
func (d *Dict) Stats() Stats {
	st := Stats{Name: d.name, Capacity: d.Capacity()}
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		st.Entries += len(s.m)
		st.Bytes += s.bytes
		s.mu.Unlock()
	}
	return st
}
