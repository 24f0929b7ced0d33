package bridge

import (
	"runtime"
	"sync"

	lua "github.com/yuin/gopher-lua"
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

// startTask runs fn(args...) as a task, after the current callback; the
// caller holds the state.
func (inst *Instance) startTask(L *lua.LState, fn *lua.LFunction, args []lua.LValue) {
	// gopher-lua (moonport's fork) gives the thread L's budget context
	// itself, not a child of it: no goroutine per thread.
	th, _ := L.NewThread()
	inst.tasks[th] = true
	inst.rt.tasks.add()
	go inst.runTask(th, fn, args)
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

// background runs f on a goroutine of its own that Stop waits for, as for
// a task: work a callback starts but must not wait for (a module change,
// a reload, an HTTP request). f should end when rt.ctx is done.
func (rt *Runtime) background(f func()) {
	rt.tasks.add()
	go func() {
		defer rt.tasks.done()
		f()
	}()
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
