package shareddict

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// The benchmarks of the store's hot paths, run single and parallel:
//
//	go test -run '^$' -bench . -benchmem -cpu 1,2,4 ./host/shareddict/
//
// Parallel ones spread goroutines over 64 keys (a rate limiter's many
// clients) except IncrOneKey, every copy bumping one counter.

var keys64 = func() []string {
	k := make([]string, 64)
	for i := range k {
		k[i] = fmt.Sprintf("client:%d", i)
	}
	return k
}()

func BenchmarkGetNumber(b *testing.B) {
	d := New("b", DefaultCapacity)
	d.Set("k", num(1), 0, 0, ModeSet)
	b.ReportAllocs()
	for b.Loop() {
		d.Get("k")
	}
}

func BenchmarkSetNumber(b *testing.B) {
	d := New("b", DefaultCapacity)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Set("k", num(float64(i)), 0, 0, ModeSet)
	}
}

func BenchmarkIncr(b *testing.B) {
	d := New("b", DefaultCapacity)
	b.ReportAllocs()
	for b.Loop() {
		d.Incr("k", 1, true, 0, 0)
	}
}

func BenchmarkIncrTTL(b *testing.B) {
	d := New("b", DefaultCapacity)
	b.ReportAllocs()
	for b.Loop() {
		d.Incr("k", 1, true, 0, 60) // the key expires: the clock is read per call
	}
}

// parallel runs op from b.RunParallel goroutines, each starting at its
// own key of keys64.
func parallel(b *testing.B, op func(d *Dict, key string)) {
	d := New("b", DefaultCapacity)
	for _, k := range keys64 {
		d.Set(k, num(1), 0, 0, ModeSet)
	}
	var next atomic.Uint32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(17)
		for pb.Next() {
			op(d, keys64[i&63])
			i++
		}
	})
}

func BenchmarkParallelGet(b *testing.B) {
	parallel(b, func(d *Dict, k string) { d.Get(k) })
}

func BenchmarkParallelSet(b *testing.B) {
	parallel(b, func(d *Dict, k string) { d.Set(k, num(2), 0, 0, ModeSet) })
}

func BenchmarkParallelIncr(b *testing.B) {
	parallel(b, func(d *Dict, k string) { d.Incr(k, 1, true, 0, 0) })
}

func BenchmarkParallelIncrOneKey(b *testing.B) {
	parallel(b, func(d *Dict, _ string) { d.Incr("total", 1, true, 0, 0) })
}
