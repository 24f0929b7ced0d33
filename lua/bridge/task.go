package bridge

import (
	"runtime"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

// Tasks (admin.run) let module code wait for the host without holding its
// Lua state. A task runs on a goroutine of its own, in a thread of the
// state (its own Lua stack, the module's globals), and only while it
// holds the state like any callback (see executor.go). When it waits for
// an admin call that may need module states (a reload: this very one
// included) or take long, it gives the state up; events for the instance
// run meanwhile, in their order, on the main stack, never on the task's;
// the task goes on once it holds the state again. So no callback ever
// runs while another is inside the same Lua stack.

// apiRun is admin.run(fn, ...): run fn(...) as a task, after the current
// callback. An error in it is logged like a callback's.
func (inst *Instance) apiRun(L *lua.LState) int {
	fn := L.CheckFunction(1)
	var args []lua.LValue
	for i := 2; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	th := newThread(L)
	inst.tasks[th] = true
	inst.rt.tasks.add()
	go inst.runTask(th, fn, args)
	return 0
}

// runTask runs a task once it holds the state; a task of an instance
// that has stopped meanwhile never runs.
func (inst *Instance) runTask(th *lua.LState, fn *lua.LFunction, args []lua.LValue) {
	defer inst.rt.tasks.done()
	if !inst.enter() {
		return
	}
	_, _ = inst.protectOn(th, "admin.run task", fn, 0, args...)
	delete(inst.tasks, th)
	if inst.retired && len(inst.tasks) == 0 && len(inst.conns) == 0 {
		go inst.rt.stopRetired(inst)
	}
	inst.release()
}

// apiAdminCall is admin.call(name, ...): the host's answer, or nil and
// the error. A call that cannot need a module state is answered at once;
// one that may (Admin.Waits) is only allowed in a task, which waits for
// it without holding the state.
func (inst *Instance) apiAdminCall(L *lua.LState) int {
	admin := inst.rt.admin
	if admin == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("no admin interface in this process"))
		return 2
	}
	name := L.CheckString(1)
	var args []any
	for i := 2; i <= L.GetTop(); i++ {
		v, err := luaval.ToGo(L.Get(i))
		if err != nil {
			L.ArgError(i, err.Error())
		}
		args = append(args, v)
	}
	var res any
	var err error
	if admin.Waits(name) {
		if !inst.tasks[L] {
			L.RaiseError("admin.call(%q) may wait for module states (this one too): call it inside admin.run(function() ... end)", name)
		}
		res, err = inst.await(L, func() (any, error) { return admin.Call(name, args) })
	} else {
		res, err = admin.Call(name, args)
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(luaval.ToLua(L, res))
	return 1
}

// await runs f without holding the Lua state, from task L's goroutine.
// The time spent waiting is not the task's: the run budget counts the
// stretches it runs. If the instance stopped meanwhile (the call reloaded
// or unloaded its module, or the server stopped), the task is dropped:
// its goroutine ends here, running nothing more.
func (inst *Instance) await(L *lua.LState, f func() (any, error)) (any, error) {
	if reason := inst.ctx.Err(); reason != nil {
		L.RaiseError("%s", reason.Error()) // stopped while running: end the task
	}
	depth := inst.depth
	inst.depth = 1
	_ = inst.end()
	var res any
	var err error
	if !inst.without(func() { res, err = f() }) {
		runtime.Goexit()
	}
	inst.begin()
	inst.armThread(L)
	inst.depth = depth
	return res, err
}

// taskCount counts the task goroutines of a runtime, so Stop can wait for
// them (unlike a WaitGroup, a task may start while Stop waits).
type taskCount struct {
	mu   sync.Mutex
	n    int
	none chan struct{} // closed while n is 0
}

func newTaskCount() *taskCount {
	c := &taskCount{none: make(chan struct{})}
	close(c.none)
	return c
}

func (c *taskCount) add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		c.none = make(chan struct{})
	}
	c.n++
}

func (c *taskCount) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 {
		close(c.none)
	}
}

// idle is closed once no task goroutine is left.
func (c *taskCount) idle() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.none
}
