package bridge

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

// watchdog enforces the run budget (lua_timeout, lua_memory_limit) of the
// callbacks running now, and writes the summaries of suppressed error
// lines. It ends when the runtime stops.
func (rt *Runtime) watchdog() {
	defer close(rt.watchDone)
	heap := newHeapReader()
	cur := tickFor(rt.budget())
	t := time.NewTicker(cur)
	defer t.Stop()
	for {
		select {
		case <-rt.watchStop:
			return
		case <-t.C:
		}
		b := rt.budget()
		if d := tickFor(b); d != cur {
			t.Reset(d)
			cur = d
		}
		now := time.Now()
		insts := rt.watched()
		if b.Timeout > 0 {
			for _, inst := range insts {
				inst.overrun(now.UnixNano(), int64(b.Timeout))
			}
		}
		if b.Memory > 0 {
			checkMemory(heap, insts, b.Memory)
		}
		for _, inst := range insts {
			inst.errs.flush(now)
		}
	}
}

// tickFor is how often the watchdog looks: a tenth of lua_timeout (so a
// callback overshoots its budget by little), at most 20 ms, and 10 ms
// while a memory budget is set (so a callback allocating fast cannot get
// far past it between two looks).
func tickFor(b Budget) time.Duration {
	d := 20 * time.Millisecond
	if b.Timeout > 0 {
		d = min(d, max(2*time.Millisecond, b.Timeout/10))
	}
	if b.Memory > 0 {
		d = min(d, 10*time.Millisecond)
	}
	return d
}

// watched lists every instance that can run a callback: active ones,
// their copies and retired ones.
func (rt *Runtime) watched() []*Instance {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var insts []*Instance
	for _, inst := range rt.order {
		insts = append(insts, inst)
		insts = append(insts, inst.copies...)
	}
	for inst := range rt.retired {
		insts = append(insts, inst)
		insts = append(insts, inst.copies...)
	}
	for _, inst := range rt.leaving {
		insts = append(insts, inst)
		insts = append(insts, inst.copies...)
	}
	return insts
}

// heapReader reads the bytes of live and not yet swept heap objects, a
// cheap figure (no stop of the world) that runtime.ReadMemStats would
// give at far higher cost.
type heapReader []metrics.Sample

func newHeapReader() heapReader {
	return heapReader{{Name: "/memory/classes/heap/objects:bytes"}}
}

func (h heapReader) bytes() int64 {
	metrics.Read(h)
	if h[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(h[0].Value.Uint64())
}

// memWatch is the watchdog's view of one callback's heap growth (only the
// watchdog touches it).
type memWatch struct {
	start int64 // the busy mark of the callback it belongs to
	base  int64 // the lowest heap bytes seen while it ran
	mark  int64 // heap bytes below which no collection is forced again
}

// checkMemory stops the callbacks under which the heap grew by more than
// limit. Go has no per-goroutine allocation count, so the heap of the
// whole process is watched while a callback runs, from the lowest figure
// seen meanwhile (the heap right after a collection is what is live, so
// garbage left by others does not hide growth). The figure counts garbage
// too, so a callback is only stopped once a forced collection confirms
// the growth. The builtins that make a big value in one call (string.rep,
// …) are checked before they allocate (see guard.go); this catches growth
// by many small steps.
func checkMemory(heap heapReader, insts []*Instance, limit int64) {
	now := int64(-1)
	var suspects []*Instance
	for _, inst := range insts {
		start := inst.busy.Load()
		if start == 0 {
			continue
		}
		if now < 0 {
			now = heap.bytes()
		}
		m := &inst.mem
		if m.start != start {
			*m = memWatch{start: start, base: now}
			continue
		}
		m.base = min(m.base, now)
		if now-m.base > limit && now > m.mark {
			suspects = append(suspects, inst)
		}
	}
	if len(suspects) == 0 {
		return
	}
	runtime.GC()
	live := heap.bytes()
	for _, inst := range suspects {
		m := &inst.mem
		m.base = min(m.base, live)
		if grown := live - m.base; grown > limit {
			start := m.start
			inst.ctx.cancel(errMemory(limit, grown), func() bool { return inst.busy.Load() == start })
			continue
		}
		// Garbage is not growth: force no collection again before the heap
		// has grown by half the budget more.
		m.mark = live + limit/2
	}
}

func errMemory(limit, grown int64) error {
	return fmt.Errorf("stopped: memory grew by %s while it ran, past lua_memory_limit (%s)", mib(grown), mib(limit))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
