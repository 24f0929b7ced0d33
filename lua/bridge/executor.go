package bridge

import (
	"sync"
	"time"
)

// executor runs the callbacks of one Lua state, a combining executor:
// whichever goroutine has work for the state takes it and runs the work
// there and then, together with anything others queued meanwhile, so an
// event costs no hand-off between goroutines.
//
// The contract:
//   - No callback runs while another is inside the same state: only the
//     goroutine holding the state (the runner) runs anything, and work
//     posted from inside a callback runs after that callback, never
//     nested in it.
//   - Work keeps its order: what one goroutine posts runs in the order it
//     posted it, and before anything that same goroutine later runs with
//     enter or call.
//   - Any goroutine may post, Lua code on this state included; post never
//     blocks on the state.
//   - The runner drains: whoever holds the state when work is queued (or
//     takes it on posting) runs the queue before giving the state up, and
//     re-checks after giving it up, so no accepted work is left behind.
//   - Once stopped, nothing more runs: post, enter and call report false.
//     Work accepted before stop runs before stop returns.
//
// The zero value is ready to use. Nothing outside this file touches its
// locks.
type executor struct {
	running sync.Mutex // held by the runner, the goroutine using the state

	mu      sync.Mutex // guards queue, spare and stopped
	queue   []func()   // posted work not yet run
	spare   []func()   // the last batch run, reused as the next queue
	stopped bool
}

// post queues f and runs the queue now unless another goroutine is
// running it, in which case that one will. It reports false, dropping f,
// once the executor has stopped.
func (e *executor) post(f func()) bool {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return false
	}
	e.queue = append(e.queue, f)
	e.mu.Unlock()
	if e.running.TryLock() {
		e.release()
	}
	return true
}

// call runs f on the state and waits for it; it reports false if the
// executor has stopped. It must not be called from a callback of the
// same state (it would wait for itself): post from there.
func (e *executor) call(f func()) bool {
	if !e.enter() {
		return false
	}
	f()
	e.release()
	return true
}

// enter takes the state for the caller, after running what was posted
// before (so work keeps its order); release gives it back. enter reports
// false, holding nothing, once the executor has stopped. Like call, it
// must not be called from a callback of the same state.
func (e *executor) enter() bool {
	e.running.Lock()
	if e.isStopped() {
		e.running.Unlock()
		return false
	}
	e.drain()
	return true
}

// enterWithin is enter that gives up after d, for a call from another
// state (crossstate.go): two goroutines each holding one state and
// waiting for the other's would otherwise wait forever. timedOut tells
// giving up from finding the executor stopped.
func (e *executor) enterWithin(d time.Duration) (ok, timedOut bool) {
	deadline := time.Now().Add(d)
	pause := 20 * time.Microsecond
	for !e.running.TryLock() {
		if e.isStopped() {
			return false, false
		}
		if time.Now().After(deadline) {
			return false, true
		}
		time.Sleep(pause)
		if pause < time.Millisecond {
			pause *= 2
		}
	}
	if e.isStopped() {
		e.running.Unlock()
		return false, false
	}
	e.drain()
	return true, false
}

// release runs what was queued, then gives the state up. Work queued
// after the last look but before the unlock is picked up by the re-check.
func (e *executor) release() {
	for {
		e.drain()
		e.running.Unlock()
		e.mu.Lock()
		pending := len(e.queue) > 0 && !e.stopped
		e.mu.Unlock()
		if !pending || !e.running.TryLock() {
			return
		}
	}
}

// without gives the state up while f runs on the calling goroutine, then
// takes it back (after what was posted meanwhile, which runs first). The
// caller holds the state. It reports false, holding nothing, if the
// executor stopped meanwhile.
func (e *executor) without(f func()) bool {
	e.release()
	f()
	return e.enter()
}

// drain runs queued work; the caller holds the state.
func (e *executor) drain() {
	for {
		e.mu.Lock()
		batch := e.queue
		if len(batch) == 0 {
			e.mu.Unlock()
			return
		}
		e.queue = e.spare[:0]
		e.mu.Unlock()
		for i, f := range batch {
			f()
			batch[i] = nil
		}
		e.mu.Lock()
		e.spare = batch
		e.mu.Unlock()
	}
}

// stop runs what is queued, refuses further work and then calls last
// while it still holds the state (to close it). Only the first stop does
// anything; it waits for the callback running now, so it must not be
// called from a callback of the same state.
func (e *executor) stop(last func()) {
	e.running.Lock()
	defer e.running.Unlock()
	if e.isStopped() {
		return
	}
	// Stopped is set only under the same lock that finds the queue empty,
	// so work accepted after the last look is not dropped.
	for {
		e.drain()
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.stopped = true
			e.spare = nil
			e.mu.Unlock()
			break
		}
		e.mu.Unlock()
	}
	last()
}

func (e *executor) isStopped() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stopped
}
