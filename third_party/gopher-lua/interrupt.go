package lua

// moonport: a cheaper way to stop the Lua code of a state from another
// goroutine than a context polled before every instruction (see
// MOONPORT.md, "Interrupt flag").

import (
	"context"
	"sync/atomic"
)

// Interrupter is a context.Context that also keeps a flag saying it is
// cancelled. Given to SetContext, the state reads the flag with an atomic
// load before each instruction instead of doing a select on Done(), which
// costs a runtime call per instruction (~19% of a Lua-heavy workload).
//
// Whoever cancels it must make Err() return the reason before setting the
// flag to a non-zero value: the running code then raises Err()'s message,
// with the position of the instruction it was about to run. While the
// flag stays set, every Lua instruction of the state raises again, so a
// pcall in the code cannot swallow the stop; clearing it is up to the
// owner. Done() must still be closed on cancellation for what waits on it
// (the channel library's select). Threads made by NewThread share the
// context and so the flag.
type Interrupter interface {
	context.Context
	// InterruptFlag returns the flag; the same pointer on every call.
	InterruptFlag() *atomic.Int32
}

// noInterrupt is the flag of a state without an Interrupter: never set.
// A Go function that calls SetContext or RemoveContext while a loop of
// the state runs changes which flag that loop reads from its next
// instruction on, and it never reads a nil one.
var noInterrupt atomic.Int32

// mainLoopWithInterrupt is mainLoopWithContext with the flag of an
// Interrupter read in place of the select on Done().
func mainLoopWithInterrupt(L *LState, baseframe *callFrame) {
	var inst uint32
	var cf *callFrame

	if L.stack.IsEmpty() {
		return
	}

	L.currentFrame = L.stack.Last()
	if L.currentFrame.Fn.IsG {
		callGFunction(L, false)
		return
	}

	for {
		cf = L.currentFrame
		inst = cf.Fn.Proto.Code[cf.Pc]
		cf.Pc++
		// Read through L (never nil, see SetContext), which measured fewer
		// machine instructions than a copy in a local of this function.
		if L.interrupt.Load() != 0 {
			raiseInterrupt(L)
			return
		}
		if jumpTable[int(inst>>26)](L, inst, baseframe) == 1 {
			return
		}
	}
}

// raiseInterrupt raises why the code was stopped. An Interrupter whose
// flag was set before its reason (against its contract) still stops the
// code, with a message of its own.
func raiseInterrupt(L *LState) {
	msg := "interrupted"
	if L.ctx != nil {
		if err := L.ctx.Err(); err != nil {
			msg = err.Error()
		}
	}
	L.RaiseError("%s", msg)
}
