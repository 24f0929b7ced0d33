package bridge

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// exclusive is work that checks the executor's first promise: it counts
// the callbacks in flight and fails if another one is running. Its plain
// counter is written without a lock, so the race detector objects if the
// executor lets two goroutines in at once without ordering them.
type exclusive struct {
	t        *testing.T
	inFlight atomic.Int32
	runs     int
}

func (x *exclusive) run(f func()) {
	if n := x.inFlight.Add(1); n != 1 {
		x.t.Errorf("%d callbacks in flight at once", n)
	}
	x.runs++
	runtime.Gosched() // give another goroutine the chance to get in
	if f != nil {
		f()
	}
	x.inFlight.Add(-1)
}

// What each goroutine posts runs in the order it posted it, and all of
// it runs, however many goroutines post at once.
func TestExecutorKeepsEachPostersOrder(t *testing.T) {
	const posters, each = 8, 500
	var e executor
	x := &exclusive{t: t}
	var got [posters][]int
	var wg sync.WaitGroup
	for p := 0; p < posters; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if !e.post(func() { x.run(func() { got[p] = append(got[p], i) }) }) {
					t.Error("post refused before stop")
				}
			}
		}()
	}
	wg.Wait()
	e.call(func() {
		for p := range got {
			if len(got[p]) != each {
				t.Errorf("poster %d: %d of %d ran", p, len(got[p]), each)
			}
			for i, v := range got[p] {
				if v != i {
					t.Fatalf("poster %d: item %d ran as the %dth", p, v, i)
				}
			}
		}
		if x.runs != posters*each {
			t.Errorf("%d runs, want %d", x.runs, posters*each)
		}
	})
}

// post, call, enter/release and without never let two callbacks into the
// state at once.
func TestExecutorNeverRunsTwoAtOnce(t *testing.T) {
	var e executor
	x := &exclusive{t: t}
	var wg sync.WaitGroup
	var want atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				want.Add(1)
				switch (g + i) % 4 {
				case 0:
					e.post(func() { x.run(nil) })
				case 1:
					e.call(func() { x.run(nil) })
				case 2:
					if e.enter() {
						x.run(nil)
						e.release()
					}
				case 3: // a task: run, wait without the state, run again
					if e.enter() {
						want.Add(1)
						x.run(nil)
						e.without(runtime.Gosched)
						x.run(nil)
						e.release()
					}
				}
			}
		}()
	}
	wg.Wait()
	e.call(func() {
		if int64(x.runs) != want.Load() {
			t.Errorf("%d runs, want %d", x.runs, want.Load())
		}
	})
}

// Work posted from inside a callback runs after that callback, not in
// it, and before the call that ran the callback returns.
func TestExecutorPostFromInsideACallback(t *testing.T) {
	var e executor
	var order []string
	ok := e.call(func() {
		order = append(order, "outer begins")
		e.post(func() {
			order = append(order, "inner")
			e.post(func() { order = append(order, "inner's inner") })
		})
		order = append(order, "outer ends")
	})
	if !ok {
		t.Fatal("call refused")
	}
	want := []string{"outer begins", "outer ends", "inner", "inner's inner"}
	if len(order) != len(want) {
		t.Fatalf("order %q, want %q", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %q, want %q", order, want)
		}
	}
}

// enter runs what was posted before it and then holds the state: work
// posted while it holds waits for its release. call does the same
// around f, and both refuse once the executor stops.
func TestExecutorEnterAndCall(t *testing.T) {
	var e executor
	var order []string
	// A post that lands after the runner's last look, just before it gave
	// the state up: queued, with nobody running it.
	e.running.Lock()
	e.post(func() { order = append(order, "posted before") })
	e.running.Unlock()
	if !e.enter() {
		t.Fatal("enter refused")
	}
	order = append(order, "entered")
	posted := make(chan struct{})
	go func() {
		e.post(func() { order = append(order, "posted while held") })
		close(posted)
	}()
	<-posted // queued, since the state is held
	order = append(order, "releasing")
	e.release()
	if !e.call(func() { order = append(order, "called") }) {
		t.Fatal("call refused")
	}
	want := "posted before, entered, releasing, posted while held, called"
	if got := join(order); got != want {
		t.Errorf("order %q, want %q", got, want)
	}

	e.stop(func() {})
	ran := false
	if e.call(func() { ran = true }) || ran {
		t.Error("call ran after stop")
	}
	if e.enter() {
		t.Error("enter succeeded after stop")
	}
	if !e.running.TryLock() {
		t.Fatal("a refused enter kept the state")
	}
	e.running.Unlock()
	if e.post(func() { ran = true }) || ran {
		t.Error("post ran after stop")
	}
}

func join(s []string) string { return strings.Join(s, ", ") }

// stop runs the work accepted before it (even work queued with nobody
// running it), waits for the callback running now, calls last once,
// after all of it, and refuses everything later.
func TestExecutorStopWhileWorkIsQueued(t *testing.T) {
	var e executor
	var order []string
	e.running.Lock() // as in TestExecutorEnterAndCall: queued, nobody running
	for _, s := range []string{"a", "b", "c"} {
		e.post(func() { order = append(order, s) })
	}
	e.running.Unlock()
	e.stop(func() { order = append(order, "last") })
	e.stop(func() { order = append(order, "last again") })
	if got := join(order); got != "a, b, c, last" {
		t.Errorf("order %q", got)
	}

	// stop waits for the callback running now.
	var e2 executor
	if !e2.enter() {
		t.Fatal("enter refused")
	}
	stopped := make(chan struct{})
	go func() { e2.stop(func() {}); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned while a callback ran")
	case <-time.After(20 * time.Millisecond):
	}
	e2.release()
	<-stopped
}

// Under posts from many goroutines, every post that stop did not refuse
// runs exactly once, before last; none that it refused runs.
func TestExecutorStopLosesNoAcceptedWork(t *testing.T) {
	for round := 0; round < 20; round++ {
		var e executor
		x := &exclusive{t: t}
		var accepted, ran atomic.Int64
		ranAtLast := int64(-1)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 300; i++ {
					if e.post(func() { x.run(func() { ran.Add(1) }) }) {
						accepted.Add(1)
					}
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * 100 * time.Microsecond)
		e.stop(func() { ranAtLast = ran.Load() })
		wg.Wait()
		if ranAtLast < 0 {
			t.Fatal("last did not run")
		}
		if ran.Load() != accepted.Load() || ran.Load() != ranAtLast {
			t.Fatalf("round %d: %d posts accepted, %d ran, %d of them before last", round, accepted.Load(), ran.Load(), ranAtLast)
		}
	}
}

// without gives the state up while f runs: posted work runs meanwhile,
// and the caller holds the state again afterwards. If the executor stops
// meanwhile, without reports false holding nothing.
func TestExecutorWithout(t *testing.T) {
	var e executor
	var order []string
	if !e.enter() {
		t.Fatal("enter refused")
	}
	ok := e.without(func() {
		if !e.post(func() { order = append(order, "ran while waiting") }) {
			t.Error("post refused")
		}
	})
	if !ok {
		t.Fatal("without reported a stop")
	}
	order = append(order, "holds again")
	done := make(chan struct{})
	go func() { e.post(func() { order = append(order, "after release") }); close(done) }()
	<-done
	e.release()
	e.call(func() {})
	if got := join(order); got != "ran while waiting, holds again, after release" {
		t.Errorf("order %q", got)
	}

	if !e.enter() {
		t.Fatal("enter refused")
	}
	if e.without(func() { e.stop(func() {}) }) {
		t.Fatal("without reported the state held after a stop")
	}
	if !e.running.TryLock() {
		t.Fatal("without kept the state of a stopped executor")
	}
	e.running.Unlock()
}
