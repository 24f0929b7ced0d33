package shareddict

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock makes now a hand-moved clock for one test.
func fakeClock(t *testing.T) *int64 {
	t.Helper()
	var at int64 = 1
	now = func() int64 { return at }
	t.Cleanup(func() { now = monotonic })
	return &at
}

func num(n float64) Value  { return Value{Kind: KindNumber, Num: n} }
func str(s string) Value   { return Value{Kind: KindString, Str: s} }
func boolean(b bool) Value { return Value{Kind: KindBool, Bool: b} }

func TestSetGetKinds(t *testing.T) {
	d := New("t", DefaultCapacity)
	for k, v := range map[string]Value{"n": num(1.5), "s": str("hi"), "b": boolean(false)} {
		if _, err := d.Set(k, v, 0, 7, ModeSet); err != nil {
			t.Fatal(err)
		}
		got, flags := d.Get(k)
		if got != v || flags != 7 {
			t.Errorf("%s: got %+v flags %d, want %+v 7", k, got, flags, v)
		}
	}
	if v, _ := d.Get("absent"); v.Kind != KindNone {
		t.Errorf("absent: %+v", v)
	}
	d.Set("s", Value{}, 0, 0, ModeSet) // nil deletes
	if v, _ := d.Get("s"); v.Kind != KindNone {
		t.Errorf("deleted: %+v", v)
	}
	if _, err := d.Set("", num(1), 0, 0, ModeSet); err != ErrEmptyKey {
		t.Errorf("empty key: %v", err)
	}
}

func TestAddReplace(t *testing.T) {
	d := New("t", DefaultCapacity)
	if _, err := d.Set("k", num(1), 0, 0, ModeReplace); err != ErrNotFound {
		t.Errorf("replace absent: %v", err)
	}
	if _, err := d.Set("k", num(1), 0, 0, ModeAdd); err != nil {
		t.Errorf("add absent: %v", err)
	}
	if _, err := d.Set("k", num(2), 0, 0, ModeAdd); err != ErrExists {
		t.Errorf("add present: %v", err)
	}
	if _, err := d.Set("k", num(3), 0, 0, ModeReplace); err != nil {
		t.Errorf("replace present: %v", err)
	}
	if v, _ := d.Get("k"); v.Num != 3 {
		t.Errorf("got %v", v.Num)
	}
}

func TestIncr(t *testing.T) {
	clock := fakeClock(t)
	d := New("t", DefaultCapacity)
	if _, _, err := d.Incr("c", 1, false, 0, 0); err != ErrNotFound {
		t.Errorf("incr absent: %v", err)
	}
	if n, _, err := d.Incr("c", 2, true, 10, 5); n != 12 || err != nil {
		t.Errorf("incr init: %v %v", n, err)
	}
	if n, _, _ := d.Incr("c", -1, true, 100, 0); n != 11 {
		t.Errorf("incr present ignores init: %v", n)
	}
	*clock += int64(5 * time.Second) // init_ttl applies
	if n, _, _ := d.Incr("c", 1, true, 0, 0); n != 1 {
		t.Errorf("after init_ttl: %v", n)
	}
	d.Set("s", str("x"), 0, 0, ModeSet)
	if _, _, err := d.Incr("s", 1, true, 0, 0); err != ErrNotNumber {
		t.Errorf("incr string: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	clock := fakeClock(t)
	d := New("t", DefaultCapacity)
	d.Set("k", str("v"), 2, 0, ModeSet)
	if ttl, err := d.TTL("k"); err != nil || ttl != 2 {
		t.Errorf("ttl: %v %v", ttl, err)
	}
	*clock += int64(time.Second)
	if v, _ := d.Get("k"); v.Str != "v" {
		t.Errorf("before expiry: %+v", v)
	}
	*clock += int64(time.Second)
	if v, _ := d.Get("k"); v.Kind != KindNone {
		t.Errorf("after expiry: %+v", v)
	}
	if v, _, stale := d.GetStale("k"); v.Str != "v" || !stale {
		t.Errorf("stale: %+v %v", v, stale)
	}
	if _, err := d.Set("k", str("w"), 0, 0, ModeAdd); err != nil {
		t.Errorf("add over expired: %v", err)
	}
	if err := d.Expire("k", 1); err != nil {
		t.Fatal(err)
	}
	if err := d.Expire("k", 0); err != nil {
		t.Fatal(err)
	}
	*clock += int64(time.Hour)
	if ttl, err := d.TTL("k"); ttl != 0 || err != nil {
		t.Errorf("expire 0 is never: %v %v", ttl, err)
	}
	if err := d.Expire("absent", 1); err != ErrNotFound {
		t.Errorf("expire absent: %v", err)
	}
}

func TestFlushAndKeys(t *testing.T) {
	clock := fakeClock(t)
	d := New("t", DefaultCapacity)
	for i := range 10 {
		ttl := 0.0
		if i%2 == 0 {
			ttl = 1
		}
		d.Set(fmt.Sprint(i), num(float64(i)), ttl, 0, ModeSet)
	}
	*clock += int64(time.Second)
	keys := d.Keys(0)
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"1", "3", "5", "7", "9"}) {
		t.Errorf("keys: %v", keys)
	}
	if n := len(d.Keys(2)); n != 2 {
		t.Errorf("keys(2): %d", n)
	}
	if n := d.FlushExpired(0); n != 5 {
		t.Errorf("flush_expired: %d", n)
	}
	if st := d.Stats(); st.Entries != 5 {
		t.Errorf("stats: %+v", st)
	}
	d.FlushAll()
	if st := d.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("after flush_all: %+v", st)
	}
}

// TestEviction: a full dictionary drops its least recently used entries
// (a read counts as a use), reports forcible, and safe_set refuses.
func TestEviction(t *testing.T) {
	d := New("t", MinCapacity) // one shard
	size := int64(EntryOverhead + 2 + 100)
	fits := int(MinCapacity / size)
	for i := range fits {
		if f, err := d.Set(fmt.Sprintf("%02d", i), str(string(make([]byte, 100))), 0, 0, ModeSet); f || err != nil {
			t.Fatalf("set %d: %v %v", i, f, err)
		}
	}
	d.Get("00") // now the most recent: "01" goes first
	if _, err := d.Set("zz", str(string(make([]byte, 100))), 0, 0, ModeSafeSet); err != ErrNoMemory {
		t.Errorf("safe_set when full: %v", err)
	}
	f, err := d.Set("zz", str(string(make([]byte, 100))), 0, 0, ModeSet)
	if !f || err != nil {
		t.Errorf("set when full: forcible %v err %v", f, err)
	}
	if v, _ := d.Get("01"); v.Kind != KindNone {
		t.Error("01 was not evicted")
	}
	if v, _ := d.Get("00"); v.Kind == KindNone {
		t.Error("00 was evicted though recently read")
	}
	if _, err := d.Set("big", str(string(make([]byte, MinCapacity))), 0, 0, ModeSet); err != ErrNoMemory {
		t.Errorf("too big: %v", err)
	}
	if st := d.Stats(); st.Bytes > st.Capacity {
		t.Errorf("over capacity: %+v", st)
	}
}

// TestConfigureShrinks: a reload's smaller cap evicts down to it and keeps
// the rest; the same name is the same dictionary.
func TestConfigureShrinks(t *testing.T) {
	s := NewSet()
	s.Configure(map[string]int64{"a": 1 << 20})
	d := s.Dict("a")
	for i := range 2000 {
		d.Set(fmt.Sprint(i), num(1), 0, 0, ModeSet)
	}
	s.Configure(map[string]int64{"a": 64 << 10})
	if s.Dict("a") != d {
		t.Fatal("a new dictionary after Configure")
	}
	st := d.Stats()
	if st.Capacity != 64<<10 || st.Bytes > st.Capacity || st.Entries == 0 {
		t.Errorf("after shrink: %+v", st)
	}
	if v, _ := d.Get("1999"); v.Kind == KindNone {
		t.Error("the most recent entry was evicted")
	}
	if s.Dict("other").Capacity() != DefaultCapacity {
		t.Error("unsized dictionary is not DefaultCapacity")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[any]int64{"10M": 10 << 20, "512k": 512 << 10, "1g": 1 << 30, 65536.0: 65536} {
		if got, err := ParseSize(in); got != want || err != nil {
			t.Errorf("%v: %d %v", in, got, err)
		}
	}
	for _, in := range []any{"", "10X", "1k", 1.5, true, "-5M"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("%v: no error", in)
		}
	}
}

// TestParallelIncr: increments from many goroutines are all counted (run
// with -race).
func TestParallelIncr(t *testing.T) {
	d := New("t", DefaultCapacity)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				d.Incr("total", 1, true, 0, 0)
				d.Incr(fmt.Sprint(g, i%10), 1, true, 0, 0)
			}
		}()
	}
	wg.Wait()
	if v, _ := d.Get("total"); v.Num != 8000 {
		t.Errorf("total %v", v.Num)
	}
}
