package bridge

import (
	"errors"
	"fmt"
	"time"

	"github.com/moonport/moonport/host/storage"
)

// Store calls from Lua are synchronous, as Prosody's API is, and block
// only the module instance that makes them (each has its own Lua state
// and runs one callback at a time). Each is bounded: it runs on a
// goroutine of its own while the caller waits at most storage_timeout,
// or until its callback is stopped (shutdown), and then returns nil and
// an error to the module. The wait does not count against lua_timeout
// (Instance.waitOutsideBudget): it bounds Lua running, storage_timeout
// bounds the database. The driver's call goes on to
// its own end (a driver bounds its I/O itself); the storage's calls
// count says when none is left, and the runtime waits for that before
// it closes the databases (configuredStorage.close).

// defaultStorageTimeout is storage_timeout's default, for a snapshot not
// read by ReadOptions (tests).
const defaultStorageTimeout = 5 * time.Second

// storageTimeout is storage_timeout in force.
func (rt *Runtime) storageTimeout() time.Duration {
	if d := rt.storageOptions().Timeout; d > 0 {
		return d
	}
	return defaultStorageTimeout
}

// boundedStore is a store as a module instance sees it.
type boundedStore struct {
	st   storage.Store
	inst *Instance
	name string
	// route is the routed store or archive behind the calls, when there
	// is one: a call on a driver that never waits (memory, null) runs
	// inline, without the goroutine and timer a bound costs.
	route waitless
}

// waitless is a routed store or archive that can tell whether its calls
// go to a driver that never waits for I/O.
type waitless interface{ waitless() bool }

// bound is the boundedStore of inst's calls of the store (or archive)
// x, named name in errors; st is x when it is a store.
func bound(inst *Instance, name string, x any) boundedStore {
	st, _ := x.(storage.Store)
	route, _ := x.(waitless)
	return boundedStore{st: st, inst: inst, name: name, route: route}
}

// errStoreStopped is a store call's error when its callback was stopped
// while it waited.
var errStoreStopped = errors.New("the callback was stopped while it waited")

// run runs fn, one call of the store, within the bounds.
func (b *boundedStore) run(fn func() error) error {
	if b.route != nil && b.route.waitless() {
		return fn()
	}
	rt := b.inst.rt
	err := b.inst.waitOutsideBudget(func() error {
		return boundedCall(rt.storeCalls(), rt.storageTimeout(), b.inst.ctx, fn)
	})
	switch {
	case errors.Is(err, errStoreStopped):
		if why := b.inst.ctx.Err(); why != nil {
			err = why
		}
	case !errors.Is(err, errNoAnswer):
		return err // the driver's own, as it gave it
	}
	return fmt.Errorf("store %q: %w", b.name, err)
}

// errNoAnswer is a call's error past storage_timeout.
var errNoAnswer = errors.New("no answer within storage_timeout")

// boundedCall runs fn on a goroutine counted in calls and waits for it
// at most d, or until stop is done (nil: never).
func boundedCall(calls *taskCount, d time.Duration, stop interface{ Done() <-chan struct{} }, fn func() error) error {
	calls.add()
	done := make(chan error, 1)
	go func() {
		defer calls.done()
		done <- fn()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	var stopped <-chan struct{}
	if stop != nil {
		stopped = stop.Done()
	}
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("%w (%s)", errNoAnswer, d)
	case <-stopped:
		return errStoreStopped
	}
}

// storeCalls counts the store calls running: the configured storage's,
// or one of the runtime's own when Options gave a driver.
func (rt *Runtime) storeCalls() *taskCount {
	if c, ok := rt.opts.Storage.(*configuredStorage); ok {
		return c.calls
	}
	return rt.tasks
}

func (b *boundedStore) Get(user string) (v any, err error) {
	var got any
	err = b.run(func() (e error) { got, e = b.st.Get(user); return e })
	if err != nil {
		return nil, err
	}
	return got, nil
}

func (b *boundedStore) Set(user string, v any) error {
	return b.run(func() error { return b.st.Set(user, v) })
}

func (b *boundedStore) GetKey(user, key string) (any, error) {
	var got any
	if err := b.run(func() (e error) { got, e = b.st.GetKey(user, key); return e }); err != nil {
		return nil, err
	}
	return got, nil
}

func (b *boundedStore) SetKeys(user string, keys map[string]any) error {
	return b.run(func() error { return b.st.SetKeys(user, keys) })
}

func (b *boundedStore) Users() ([]string, error) {
	var got []string
	if err := b.run(func() (e error) { got, e = b.st.Users(); return e }); err != nil {
		return nil, err
	}
	return got, nil
}
