package bridge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/value"
)

// Budget is what one Lua callback may use before it is stopped.
type Budget struct {
	Timeout time.Duration // lua_timeout; 0 for none
	Memory  int64         // lua_memory_limit in bytes; 0 for none
}

// The accepted ranges: anything else is a typo or a unit mistake (1e300
// used to turn the budget off silently), so it is refused.
const (
	minTimeout    = time.Millisecond
	maxTimeout    = time.Hour
	minMemory     = 1 << 20
	maxMemory     = 1 << 40
	defaultMemory = 128 << 20
)

// BudgetOf reads lua_timeout (default 1 s) and lua_memory_limit (default
// 128 MiB); 0 turns either off. A value out of range is an error naming
// the option, its value and where it was set.
func BudgetOf(snap *config.Snapshot) (Budget, error) {
	b := Budget{Timeout: time.Second, Memory: defaultMemory}
	if o, ok := snap.Get("*", "lua_timeout"); ok {
		n, isNum := o.Value.(float64)
		switch {
		case isNum && n == 0:
			b.Timeout = 0
		case isNum && n >= minTimeout.Seconds() && n <= maxTimeout.Seconds():
			b.Timeout = value.Seconds(n)
		default:
			return b, &config.Error{Location: o.Location, Message: fmt.Sprintf(
				"lua_timeout = %s: expected 0 (off) or seconds from 0.001 to 3600", value.Format(o.Value))}
		}
	}
	if o, ok := snap.Get("*", "lua_memory_limit"); ok {
		n, isNum := o.Value.(float64)
		switch {
		case isNum && n == 0:
			b.Memory = 0
		case isNum && n >= minMemory && n <= maxMemory && !math.IsNaN(n):
			b.Memory = int64(n)
		default:
			return b, &config.Error{Location: o.Location, Message: fmt.Sprintf(
				"lua_memory_limit = %s: expected 0 (off) or bytes from 1048576 (1 MiB) to 1099511627776 (1 TiB), e.g. 64 * 1024 * 1024",
				value.Format(o.Value))}
		}
	}
	return b, nil
}

// on reports whether callbacks need a context the watchdog can cancel.
func (b Budget) on() bool { return b.Timeout > 0 || b.Memory > 0 }

// budgetContext is the context of one instance's Lua state and of every
// coroutine in it. It is a gopher-lua Interrupter (see the fork's
// MOONPORT.md): the VM reads flag before each instruction, an atomic load,
// where a select on Done() per instruction cost ~19% of a Lua-heavy
// callback. Once cancelled it stays so until the outermost callback has
// ended (a pcall in the module cannot swallow the stop) and is then
// re-armed: flag cleared, a fresh done channel.
type budgetContext struct {
	context.Context
	done chan struct{} // read and replaced only by the goroutine holding the state
	flag atomic.Int32  // 1 from cancel to rearm; set after reason

	mu     sync.Mutex // guards closed and reason, and done against cancel
	closed bool
	reason error
}

func newBudgetContext() *budgetContext {
	return &budgetContext{Context: context.Background(), done: make(chan struct{})}
}

// Done is closed on cancel, for what waits on it (gopher-lua's channel
// library); the VM reads InterruptFlag instead.
func (b *budgetContext) Done() <-chan struct{} { return b.done }

// InterruptFlag makes budgetContext a lua.Interrupter.
func (b *budgetContext) InterruptFlag() *atomic.Int32 { return &b.flag }

// Err is why the running callback was stopped, nil while it may go on.
// gopher-lua raises it as the error, with the module's file and line.
func (b *budgetContext) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reason
}

// cancel stops the callback running now for reason, if still reports
// that the callback meant is the one running (the watchdog looks, then
// acts: the callback it saw may have ended and the next begun meanwhile).
func (b *budgetContext) cancel(reason error, still func() bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed && still() {
		b.closed, b.reason = true, reason
		close(b.done)
		b.flag.Store(1) // after reason: the VM raises Err() once it sees the flag
	}
}

func always() bool { return true }

// rearm readies the context for the next callback; the caller holds the
// state.
func (b *budgetContext) rearm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		b.done = make(chan struct{})
		b.closed, b.reason = false, nil
		b.flag.Store(0)
	}
}

// errShutdown stops callbacks still running when shutdown_deadline passes.
var errShutdown = errors.New("stopped: shutdown_deadline passed while it ran")

func errTimeout(d time.Duration) error {
	return fmt.Errorf("stopped after running longer than lua_timeout (%s)", d)
}

// begin starts the run budget of a callback: the outermost one records
// its start for the watchdog and gives the state the context, or takes it
// away when no budget is set (the VM runs faster without one).
func (inst *Instance) begin() {
	if inst.depth == 0 {
		// A cancel meant for the last callback may have landed after its
		// end looked at the flag (the watchdog checked busy just before it
		// was cleared): it must not stop this one. rearm waits for such a
		// cancel under the lock; once busy is cleared no new one can
		// start. One uncontended lock per outermost callback.
		inst.ctx.rearm()
		inst.started = time.Now()
		inst.busy.Store(inst.started.UnixNano())
		// Read after busy is set: expire sets the flag, then looks at busy.
		expired := inst.rt.expired.Load()
		if on := inst.rt.budget().on() || expired; on != inst.armed {
			if on {
				inst.L.SetContext(inst.ctx)
			} else {
				inst.L.RemoveContext()
			}
			inst.armed = on
		}
		if expired {
			inst.ctx.cancel(errShutdown, always)
		}
	}
	inst.depth++
}

// armThread gives a task's thread the context when the state has it (the
// budget may have been turned on since the task was made). It never takes
// the context away: the thread may be in the middle of running (a task
// going on after a wait), and gopher-lua's loop then reads its flag.
func (inst *Instance) armThread(L *lua.LState) {
	if L != inst.L && inst.armed && L.Context() == nil {
		L.SetContext(inst.ctx)
	}
}

// end closes what begin opened; the outermost callback re-arms the
// context. It returns why the callback was stopped, if it was.
func (inst *Instance) end() error {
	inst.depth--
	if inst.depth > 0 {
		return nil
	}
	inst.busy.Store(0)
	inst.rt.hist.observe(time.Since(inst.started))
	if inst.ctx.flag.Load() == 0 {
		return nil // not stopped: no lock taken on the common path
	}
	reason := inst.ctx.Err()
	inst.ctx.rearm()
	return reason
}

// waitOutsideBudget runs wait, a blocking call that runs no Lua (a store
// call), with the run budget's clock stopped: lua_timeout bounds the
// time Lua runs, and the wait has its own bound (storage_timeout), so a
// database that does not answer gives the module nil, err instead of
// the callback being stopped first. Shutdown still stops the wait
// (expire cancels whatever is busy). Only the goroutine holding the state
// calls it.
func (inst *Instance) waitOutsideBudget(wait func() error) error {
	start := inst.busy.Load()
	if start == 0 || inst.waiting.Load() {
		return wait()
	}
	inst.waiting.Store(true)
	t0 := time.Now()
	err := wait()
	inst.busy.Store(start + int64(time.Since(t0)))
	inst.waiting.Store(false)
	return err
}

// overrun is called by the watchdog: it stops the callback that has run
// past the time budget, not counting a wait outside Lua.
func (inst *Instance) overrun(now, budget int64) {
	if inst.waiting.Load() {
		return
	}
	if start := inst.busy.Load(); start != 0 && now-start > budget {
		inst.ctx.cancel(errTimeout(time.Duration(budget)), func() bool { return inst.busy.Load() == start })
	}
}

// expire stops every callback still running once shutdown_deadline has
// passed; begin stops those that start later.
func (rt *Runtime) expire() {
	rt.expired.Store(true)
	for _, inst := range rt.watched() {
		inst.ctx.cancel(errShutdown, func() bool { return inst.busy.Load() != 0 })
	}
}

// Busy describes the instances inside a callback now, for the log of a
// shutdown that could not finish.
func (rt *Runtime) Busy() []string {
	var out []string
	now := time.Now().UnixNano()
	for _, inst := range rt.watched() {
		if start := inst.busy.Load(); start != 0 {
			out = append(out, fmt.Sprintf("module=%s host=%s in a callback for %s", inst.Name, inst.Host,
				time.Duration(now-start).Round(time.Millisecond)))
		}
	}
	return out
}
