package lua

// moonport: tests of the interrupt flag (interrupt.go, MOONPORT.md). On
// v1.1.2 a context's flag is not read: these contexts' Done() never
// closes unless a test gives up, so each case fails there.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testInterrupter is an Interrupter whose Done() closes only when a test
// gives up waiting, so that only its flag can stop the code in time.
type testInterrupter struct {
	context.Context
	flag     atomic.Int32
	mu       sync.Mutex
	err      error
	fallback chan struct{}
}

func newTestInterrupter() *testInterrupter {
	return &testInterrupter{Context: context.Background(), fallback: make(chan struct{})}
}

func (c *testInterrupter) Done() <-chan struct{}        { return c.fallback }
func (c *testInterrupter) InterruptFlag() *atomic.Int32 { return &c.flag }

func (c *testInterrupter) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// stop sets the reason, then the flag, as the contract asks.
func (c *testInterrupter) stop(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	c.flag.Store(1)
}

// giveUp makes Done() close, which stops the code on v1.1.2 too.
func (c *testInterrupter) giveUp() {
	c.mu.Lock()
	if c.err == nil {
		c.err = errors.New("gave up")
	}
	c.mu.Unlock()
	close(c.fallback)
}

// runStopped runs script in a state with an Interrupter, sets the flag
// once the script has called ready(), and returns the error the script
// ended with. It fails the test if the flag did not stop the script
// within 10 s (far past any scheduling delay: the loop checks the flag
// before each instruction).
func runStopped(t *testing.T, script string, reason error) error {
	t.Helper()
	L := NewState()
	defer L.Close()
	ctx := newTestInterrupter()
	L.SetContext(ctx)
	ready := make(chan struct{})
	var once sync.Once
	L.SetGlobal("ready", L.NewFunction(func(L *LState) int {
		once.Do(func() { close(ready) })
		return 0
	}))
	// gopcall(f) calls f from Go and swallows its error, as a Go library
	// calling back into Lua may.
	L.SetGlobal("gopcall", L.NewFunction(func(L *LState) int {
		_ = L.CallByParam(P{Fn: L.CheckFunction(1), Protect: true})
		return 0
	}))
	done := make(chan error, 1)
	go func() { done <- L.DoString(script) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the script ended before calling ready(): %v", err)
	}
	ctx.stop(reason)
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Errorf("the flag did not stop the script")
		ctx.giveUp()
		return <-done
	}
}

func TestInterruptStopsRunawayCode(t *testing.T) {
	cases := []struct{ name, script, where string }{
		{"loop", "ready()\nwhile true do end", "<string>:2:"},
		{"coroutine", "coroutine.wrap(function()\nready()\nwhile true do end\nend)()", "<string>:3:"},
		{"resumed coroutine", "local co = coroutine.wrap(function() while true do coroutine.yield() end end)\nready()\nwhile true do co() end", ""},
		{"pcall", "ready()\nwhile true do pcall(function() while true do end end) end", "<string>:2:"},
		{"xpcall", "ready()\nwhile true do xpcall(function() while true do end end, function(e) return e end) end", "<string>:2:"},
		{"Go calling Lua", "ready()\nwhile true do gopcall(function() while true do end end) end", "<string>:2:"},
		// Each pcall starts a loop nested in Go; every loop reads the flag
		// (a countdown local to each loop would never reach 0 here).
		{"recursion through pcall", "local function f() ready(); for i = 1, 10 do pcall(f) end end\nf()", "<string>:1:"},
		{"error handler", "ready()\nxpcall(error, function() while true do end end)", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := runStopped(t, c.script, errors.New("stopped: 100% of the budget used"))
			if err == nil || !strings.Contains(err.Error(), "stopped: 100% of the budget used") {
				t.Fatalf("error %v, want the reason, verbatim", err)
			}
			if !strings.Contains(err.Error(), c.where) {
				t.Errorf("error %v, want the position %s", err, c.where)
			}
		})
	}
}

// The flag stays set until its owner clears it; the state then runs
// again. Threads share the context; RemoveContext stops reading it.
func TestInterruptFlagLifecycle(t *testing.T) {
	L := NewState()
	defer L.Close()
	ctx := newTestInterrupter()
	L.SetContext(ctx)
	ctx.stop(errors.New("stop"))
	if err := L.DoString("local x = 1"); err == nil || !strings.Contains(err.Error(), "stop") {
		t.Fatalf("with the flag set: %v", err)
	}
	if err := L.DoString("local x = 1"); err == nil {
		t.Fatalf("the flag was set once, but the second call ran")
	}
	ctx.flag.Store(0)
	ctx.err = nil
	if err := L.DoString("x = 0; for i = 1, 1000 do x = x + i end"); err != nil || L.GetGlobal("x") != LNumber(500500) {
		t.Fatalf("after clearing the flag: %v, x = %v", err, L.GetGlobal("x"))
	}
	th, cancel := L.NewThread()
	if th.Context() != ctx || cancel != nil {
		t.Errorf("NewThread gave context %v and cancel %v, want the state's context and none", th.Context(), cancel != nil)
	}
	if L.RemoveContext() != ctx {
		t.Fatalf("RemoveContext did not return the context")
	}
	ctx.stop(errors.New("stop"))
	if err := L.DoString("local x = 1"); err != nil {
		t.Fatalf("without the context the flag still stopped the code: %v", err)
	}
	// A Go function may take the context away while the loop that called
	// it runs: the loop goes on unchecked (v1.1.2 failed on a nil
	// context there), and a context set again is read from then on.
	L.SetContext(ctx)
	ctx.flag.Store(0)
	L.SetGlobal("unset", L.NewFunction(func(L *LState) int { L.RemoveContext(); return 0 }))
	other := newTestInterrupter()
	other.stop(errors.New("again"))
	L.SetGlobal("swap", L.NewFunction(func(L *LState) int { L.SetContext(other); return 0 }))
	if err := L.DoString("unset(); for i = 1, 100 do end"); err != nil {
		t.Fatalf("after RemoveContext in the loop: %v", err)
	}
	L.SetContext(ctx)
	if err := L.DoString("swap(); for i = 1, 100 do end"); err == nil || !strings.Contains(err.Error(), "again") {
		t.Fatalf("after SetContext in the loop: %v", err)
	}
	ctx.flag.Store(0)
	L.RemoveContext()
	// A plain context still works as before.
	plain, cancelPlain := context.WithCancel(context.Background())
	L.SetContext(plain)
	cancelPlain()
	if err := L.DoString("local x = 1"); err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Fatalf("a cancelled plain context: %v", err)
	}
}
