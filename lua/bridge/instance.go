package bridge

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"

	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"
)

// Instance is one module loaded on one host: its own Lua state, which only
// one goroutine at a time may touch. Whichever goroutine has work for the
// state takes the run lock and does it there and then, together with
// anything others queued meanwhile (a combining executor): module code
// never runs concurrently with itself and needs no locks, yet an event
// costs no hand-off between goroutines.
type Instance struct {
	rt     *Runtime
	Name   string
	Host   string
	Path   string
	L      *lua.LState
	module *lua.LTable
	log    *logrus.Entry

	running sync.Mutex // held while the Lua state is in use

	mu      sync.Mutex // guards queue and stopped
	queue   []func()
	spare   []func()
	stopped bool

	hooks  map[string][]hook
	timers map[*timer]struct{}

	copyOf *Instance   // the primary, for a copy made for workers
	copies []*Instance // a primary's copies

	conns    map[*listen.Conn]*luaConn // connections this state has seen
	services []*NetService             // what the module provided
	srcHash  [32]byte                  // of the module file, to tell a change
	retired  bool                      // replaced or removed by a reload; stops when its last connection goes
	peers    func() []*Instance        // the instances it will serve beside, for duplicate service names
	snap     atomic.Pointer[config.Snapshot]
	// viaDepends marks a module another one loaded with module:depends.
	viaDepends bool

	// The run budget (budget.go): busy is when the outermost callback
	// began (0 when idle); the watchdog stops it through ctx, which the
	// state has while armed. depth, started and armed belong to the holder
	// of the run lock, mem to the watchdog.
	busy    atomic.Int64
	ctx     *budgetContext
	depth   int
	started time.Time
	armed   bool
	mem     memWatch
	errs    errorLog

	// Tasks (admin.run) whose goroutines have not finished; guarded by
	// the run lock. A retired instance waits for them before it stops.
	tasks map[*lua.LState]bool

	http        []*httpApp // module:provides("http", …)
	httpWorkers int        // copies its HTTP routes ask for (workers)
	send        *lua.LFunction
}

type hook struct {
	fn       *lua.LFunction
	priority float64
}

func newInstance(rt *Runtime, name, host, path string, snap *config.Snapshot) *Instance {
	inst := &Instance{rt: rt, Name: name, Host: host, Path: path,
		hooks: map[string][]hook{}, timers: map[*timer]struct{}{}, conns: map[*listen.Conn]*luaConn{},
		tasks: map[*lua.LState]bool{}, ctx: newBudgetContext(),
		log: rt.log.WithFields(logrus.Fields{"module": name, "host": host})}
	// Bounded stacks: runaway recursion is an error, not the host's memory.
	inst.L = lua.NewState(lua.Options{CallStackSize: 256, RegistrySize: 8192, RegistryMaxSize: 256 * 1024, RegistryGrowStep: 1024})
	inst.snap.Store(snap)
	inst.guardLibraries()
	return inst
}

// post queues f and runs the queue now unless another goroutine is running
// it, in which case that one will. It never blocks on the Lua state, so any
// goroutine may post, Lua code on this instance included.
func (inst *Instance) post(f func()) bool {
	inst.mu.Lock()
	if inst.stopped {
		inst.mu.Unlock()
		return false
	}
	inst.queue = append(inst.queue, f)
	inst.mu.Unlock()
	if inst.running.TryLock() {
		inst.release()
	}
	return true
}

// call runs f on the Lua state and waits for it; it reports false if the
// instance has stopped. It must not be called from this instance's own
// Lua code.
func (inst *Instance) call(f func()) bool {
	if !inst.enter() {
		return false
	}
	f()
	inst.release()
	return true
}

// enter takes the Lua state for the caller, after running what was posted
// before (so events keep their order); release gives it back. enter
// reports false, holding nothing, once the instance has stopped.
func (inst *Instance) enter() bool {
	inst.running.Lock()
	inst.mu.Lock()
	stopped := inst.stopped
	inst.mu.Unlock()
	if stopped {
		inst.running.Unlock()
		return false
	}
	inst.drain()
	return true
}

// release runs what was queued, then gives the state up. Work queued
// after the last look but before the unlock is picked up by the re-check.
func (inst *Instance) release() {
	for {
		inst.drain()
		inst.running.Unlock()
		inst.mu.Lock()
		pending := len(inst.queue) > 0 && !inst.stopped
		inst.mu.Unlock()
		if !pending || !inst.running.TryLock() {
			return
		}
	}
}

// drain runs queued work; the caller holds the run lock.
func (inst *Instance) drain() {
	for {
		inst.mu.Lock()
		batch := inst.queue
		if len(batch) == 0 {
			inst.mu.Unlock()
			return
		}
		inst.queue = inst.spare[:0]
		inst.mu.Unlock()
		for i, f := range batch {
			f()
			batch[i] = nil
		}
		inst.mu.Lock()
		inst.spare = batch
		inst.mu.Unlock()
	}
}

// stop runs what is queued, refuses further work and closes the Lua state.
func (inst *Instance) stop() {
	inst.running.Lock()
	defer inst.running.Unlock()
	inst.mu.Lock()
	already := inst.stopped
	inst.mu.Unlock()
	if already {
		return
	}
	inst.drain()
	inst.mu.Lock()
	inst.stopped = true
	inst.queue = nil
	inst.mu.Unlock()
	inst.L.Close()
	inst.errs.flush(time.Now().Add(time.Second), inst.log) // whatever is left
}

// protect calls fn with args on the instance's Lua state. A Lua error is
// logged with its traceback and returned; the host keeps serving.
func (inst *Instance) protect(what string, fn lua.LValue, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	return inst.protectOn(inst.L, what, fn, nret, args...)
}

// protectOn is protect on L: the instance's state or one of its tasks'
// threads. The caller holds the run lock.
func (inst *Instance) protectOn(L *lua.LState, what string, fn lua.LValue, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	inst.begin()
	inst.armThread(L)
	err := L.PCall(len(args), nret, nil)
	stopped := inst.end()
	if err != nil {
		L.SetTop(top)
		err = fmt.Errorf("error in %s: %s", what, luaErrorText(err, stopped))
		inst.logError(err.Error())
		return nil, err
	}
	n := L.GetTop() - top
	if n == 0 {
		return nil, nil
	}
	out := make([]lua.LValue, n)
	for i := 0; i < n; i++ {
		out[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return out, nil
}

// luaErrorText is a Lua error with its traceback. The VM raises the reason
// a budget stopped the callback with the module's file and line; should a
// Go function have raised something else meanwhile, the reason leads.
func luaErrorText(err, stopped error) string {
	msg := err.Error()
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		msg = apiErr.Object.String()
		if tb := strings.TrimSpace(apiErr.StackTrace); tb != "" {
			msg += "\n" + tb
		}
	}
	if stopped != nil && !strings.Contains(msg, stopped.Error()) {
		msg = stopped.Error() + ": " + msg
	}
	return msg
}
