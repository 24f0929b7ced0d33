package shareddict

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultCapacity is the cap of a dictionary the config does not size
// (shared_dicts): modules work without the operator's say, and memory is
// only used as entries are stored.
const DefaultCapacity = 10 << 20

// MinCapacity is the smallest cap accepted (nginx's lua_shared_dict has a
// floor too): one entry of a few KB must fit.
const MinCapacity = 8 << 10

// Set holds a process's dictionaries by name: the same name is the same
// dictionary for every module and copy, across module reloads.
type Set struct {
	mu    sync.Mutex
	dicts map[string]*Dict
	sizes map[string]int64 // the config's caps by name
}

// NewSet returns a set with no dictionaries.
func NewSet() *Set { return &Set{dicts: map[string]*Dict{}, sizes: map[string]int64{}} }

// Dict is the dictionary called name, made on first use with the cap the
// config gives it, else DefaultCapacity.
func (s *Set) Dict(name string) *Dict {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dicts[name]
	if d == nil {
		c, ok := s.sizes[name]
		if !ok {
			c = DefaultCapacity
		}
		d = New(name, c)
		s.dicts[name] = d
	}
	return d
}

// Configure takes the config's caps (a reload's): a dictionary already in
// use keeps its entries and gets its new cap (DefaultCapacity when the
// config no longer names it); a smaller one evicts its least recently
// used entries until it fits.
func (s *Set) Configure(sizes map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizes = sizes
	for name, d := range s.dicts {
		c, ok := sizes[name]
		if !ok {
			c = DefaultCapacity
		}
		if c != d.Capacity() {
			d.setCapacity(c)
		}
	}
}

// Stats lists the dictionaries in use, by name.
func (s *Set) Stats() []Stats {
	s.mu.Lock()
	ds := make([]*Dict, 0, len(s.dicts))
	for _, d := range s.dicts {
		ds = append(ds, d)
	}
	s.mu.Unlock()
	out := make([]Stats, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Stats())
	}
	slices.SortFunc(out, func(a, b Stats) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ParseSize reads a cap as nginx writes one: a number of bytes, or a
// string of digits with an optional k, m or g suffix (any case, powers of
// 1024): 1048576, "512k", "10M".
func ParseSize(v any) (int64, error) {
	var n int64
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, fmt.Errorf("%v is not a whole number of bytes", x)
		}
		n = int64(x)
	case string:
		mult := int64(1)
		num := strings.TrimSpace(x)
		if num != "" {
			switch num[len(num)-1] {
			case 'k', 'K':
				mult = 1 << 10
			case 'm', 'M':
				mult = 1 << 20
			case 'g', 'G':
				mult = 1 << 30
			}
			if mult != 1 {
				num = num[:len(num)-1]
			}
		}
		u, err := strconv.ParseInt(num, 10, 64)
		if err != nil || u > (1<<40)/mult {
			return 0, fmt.Errorf("%q: expected bytes, or a number with k, m or g (\"10M\")", x)
		}
		n = u * mult
	default:
		return 0, fmt.Errorf("expected bytes, or a number with k, m or g (\"10M\")")
	}
	if n < MinCapacity || n > 1<<40 {
		return 0, fmt.Errorf("%d bytes: expected from %d (8k) to %d (1024g)", n, MinCapacity, int64(1)<<40)
	}
	return n, nil
}
