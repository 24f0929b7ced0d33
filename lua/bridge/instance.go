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
// one goroutine at a time may touch. Its executor (executor.go) runs the
// callbacks: module code never runs concurrently with itself and needs no
// locks, yet an event costs no hand-off between goroutines. "Holding the
// state" below means being the executor's runner.
type Instance struct {
	rt     *Runtime
	Name   string
	Host   string
	Path   string
	L      *lua.LState
	module *lua.LTable
	// ud is the instance as a Lua value: the first upvalue of the module
	// API's and the libraries' functions, through which they find it
	// (instanceOf).
	ud  *lua.LUserData
	log *logrus.Entry
	// recordMeta are the metamethods every record proxy in L shares
	// (http_record.go), made once: not two closures per proxy.
	recordMeta *recordMetamethods

	executor // runs the callbacks on L, one at a time

	timers map[*timer]struct{}

	// Across states (crossstate.go): live says its handlers get events and
	// its items are seen (a reload's new instance waits for Commit);
	// frozen, that a reload holds it since its module.save, so events pass
	// it by. chain is the states the call running in it holds (the
	// goroutine holding the state's).
	live, frozen atomic.Bool
	chain        []*Instance

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
	// home is the loader the instance's module:depends loads through: its
	// reload's until that commits, then the running one.
	home *loader
	// hosts are the hosts added to a global module (module.add_host).
	hosts   map[string]bool
	hostsMu sync.Mutex
	// booting is set while boot runs the module's file and module.load:
	// an error there is the loader's to report (as an error, or as an
	// XMPP module skipped), not logged where it happens.
	booting bool
	// needsXMPP is the XMPP library or method the module asked for, which
	// makes a failure to load an XMPP-only module's (module_xmpp.go).
	needsXMPP string
	// toldOwned are what the module was told the host does itself: the
	// options it reads as unset (host_owned.go) and the signals whose
	// handlers util.signal does not call; only the goroutine holding the
	// state touches it.
	toldOwned map[string]bool
	// missing are the methods the module object lacked, by the code
	// position that asked ("file:line:"), for explainMissing.
	missing map[string]string
	status  moduleStatus // module:set_status (module_status.go)

	// The run budget (budget.go): busy is when the outermost callback
	// began (0 when idle), moved on by the time spent waiting outside Lua
	// while waiting is set; the watchdog stops it through ctx, which the
	// state has while armed. depth, started and armed belong to the
	// goroutine holding the state, mem to the watchdog.
	busy    atomic.Int64
	waiting atomic.Bool // in a wait outside Lua (waitOutsideBudget)
	ctx     *budgetContext
	depth   int
	started time.Time
	armed   bool
	mem     memWatch
	errs    errorLog

	// Tasks (admin.run) whose goroutines have not finished; only the
	// goroutine holding the state touches it. A retired instance waits for
	// them before it stops.
	tasks map[*lua.LState]bool

	// objectHooks are what module:hook_object_event added, removed at
	// unload (module_object_events.go).
	objectHooks []objectHook

	http        []*httpApp // module:provides("http", …)
	httpWorkers int        // copies its HTTP routes ask for (workers); 0: moduleWorkers
	// moduleWorkers is what module:set_workers asked for (module_workers.go);
	// 0 when it was not called.
	moduleWorkers int
	// baseGlobals are the state's globals before the module's code ran:
	// what a module:depends proxy's pairs leaves out (ownGlobals).
	baseGlobals map[lua.LValue]lua.LValue
}

// instanceOf is the instance a function of the module API or of a
// library belongs to: its first upvalue, set when the table of functions
// was made (L.SetFuncs(t, funcs, inst.ud)).
func instanceOf(L *lua.LState) *Instance {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*Instance)
}

func newInstance(rt *Runtime, name, host, path string, snap *config.Snapshot) *Instance {
	inst := &Instance{rt: rt, Name: name, Host: host, Path: path,
		timers: map[*timer]struct{}{}, conns: map[*listen.Conn]*luaConn{},
		tasks: map[*lua.LState]bool{}, ctx: newBudgetContext(),
		log: rt.log.WithFields(logrus.Fields{"module": name, "host": host})}
	inst.errs.log = inst.log
	// Bounded stacks: runaway recursion is an error, not the host's memory.
	inst.L = lua.NewState(lua.Options{CallStackSize: 256, RegistrySize: 8192, RegistryMaxSize: 256 * 1024, RegistryGrowStep: 1024})
	inst.ud = inst.L.NewUserData()
	inst.ud.Value = inst
	inst.snap.Store(snap)
	inst.guardLibraries()
	if rt.opts.Sandbox {
		sandboxStandard(inst.L)
	}
	return inst
}

// stop runs what is queued, refuses further work and closes the Lua state.
func (inst *Instance) stop() {
	inst.rt.unplug(inst)
	inst.executor.stop(func() {
		inst.rt.shared.release(inst, false) // module:shared tables outlive it
		inst.L.Close()
		inst.errs.flush(time.Now().Add(time.Second)) // whatever is left
	})
}

// protect calls fn with args on the instance's Lua state. A Lua error is
// logged with its traceback and returned; the host keeps serving.
func (inst *Instance) protect(what string, fn lua.LValue, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	return inst.protectOn(inst.L, what, fn, nret, args...)
}

// protectOn is protect on L: the instance's state or one of its tasks'
// threads. The caller holds the state.
func (inst *Instance) protectOn(L *lua.LState, what string, fn lua.LValue, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	outer := inst.depth == 0
	inst.begin()
	inst.armThread(L)
	err := L.PCall(len(args), nret, nil)
	stopped := inst.end()
	if err != nil {
		L.SetTop(top)
		err = fmt.Errorf("error in %s: %s", what, inst.explainMissing(luaErrorText(err, stopped)))
		if !(outer && inst.booting) {
			inst.logError(err.Error())
		}
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
