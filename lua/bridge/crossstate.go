package bridge

import (
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/lua/luaval"
)

// Values crossing from one instance's Lua state to another's (an item, an
// event's data, a handler's result, the arguments and results of a call
// through another module's function). Prosody runs every module in one
// state and passes the values themselves; moonport gives each instance its
// own state, so a value is exported from its state (by the goroutine
// holding it) into a state-free form and imported into the other (by the
// goroutine holding that one):
//
//   - nil, booleans, numbers and strings as they are;
//   - tables deep-copied (cycles and shared sub-tables kept), without
//     their metatables, except a registered library's objects, which get
//     the receiving state's metatable of that library (crossmeta.go);
//   - functions as xfunc: imported, a proxy function that runs the
//     original on its own state (call); a proxy exported again refers to
//     the original, so a function going back home is itself again;
//   - proxies of portable Go objects (portable.go) as the object, made
//     anew in the target state with proxyIn;
//   - connections as references, which only the same module's instances
//     (a reload's new one, a worker copy) import, as their own object for
//     the connection (importRef);
//   - other userdata, threads and channels as nil: they cannot leave their
//     state.

// xtable is a table exported from a state; lib names the library whose
// object it is (crossmeta.go), or is "".
type xtable struct {
	keys, vals []any
	lib        string
}

// xfunc is a function of owner's state.
type xfunc struct {
	owner *Instance
	fn    *lua.LFunction
}

// xmake is a value made by Go in whichever state it is imported into.
type xmake func(inst *Instance) lua.LValue

// export copies v out of the instance's state; the caller holds it.
func (inst *Instance) export(v lua.LValue) any {
	return inst.exportSeen(v, map[*lua.LTable]*xtable{})
}

func (inst *Instance) exportSeen(v lua.LValue, seen map[*lua.LTable]*xtable) any {
	switch x := v.(type) {
	case lua.LBool:
		return bool(x)
	case lua.LNumber:
		return float64(x)
	case lua.LString:
		return string(x)
	case *lua.LFunction:
		if f, ok := foreignOf(x); ok {
			return f
		}
		return xfunc{owner: inst, fn: x}
	case *lua.LTable:
		if p, ok := portableOf(inst.L, x); ok {
			return p
		}
		if t := seen[x]; t != nil {
			return t
		}
		t := &xtable{lib: crossingName(inst.L, x)}
		seen[x] = t
		x.ForEach(func(k, val lua.LValue) {
			t.keys = append(t.keys, inst.exportSeen(k, seen))
			t.vals = append(t.vals, inst.exportSeen(val, seen))
		})
		return t
	case *lua.LUserData:
		if r, ok := x.Value.(luaval.Referable); ok {
			return r.Ref()
		}
	}
	return nil
}

// exportAll exports each of vs.
func (inst *Instance) exportAll(vs []lua.LValue) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = inst.export(v)
	}
	return out
}

// importX builds an exported value in the instance's state; the caller
// holds it.
func (inst *Instance) importX(v any) lua.LValue {
	return inst.importSeen(v, map[*xtable]*lua.LTable{})
}

func (inst *Instance) importSeen(v any, seen map[*xtable]*lua.LTable) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case xfunc:
		if x.owner == inst {
			return x.fn
		}
		return inst.proxyOf(x)
	case xmake:
		return x(inst)
	case *itemRef:
		return x.it.view(inst)
	case *xtable:
		if t := seen[x]; t != nil {
			return t
		}
		t := inst.L.NewTable()
		seen[x] = t
		for i, k := range x.keys {
			if key := inst.importSeen(k, seen); key != lua.LNil {
				t.RawSet(key, inst.importSeen(x.vals[i], seen))
			}
		}
		if x.lib == "" {
			return t
		}
		v := inst.adoptCrossing(x.lib, t)
		if o, ok := v.(*lua.LTable); ok {
			seen[x] = o // a rebuilt object (a set) is the one met again
		}
		return v
	case portable:
		return x.proxyIn(inst)
	case luaval.Ref:
		return inst.importRef(x)
	}
	return lua.LNil
}

func (inst *Instance) importAll(vs []any) []lua.LValue {
	out := make([]lua.LValue, len(vs))
	for i, v := range vs {
		out[i] = inst.importX(v)
	}
	return out
}

// importRef is a connection's object in this state when the module
// serving the connection is this one (another instance of it: the one a
// reload replaces, a worker copy); nil for any other module.
func (inst *Instance) importRef(r luaval.Ref) lua.LValue {
	c := inst.rt.connOf(r)
	if c == nil {
		return lua.LNil
	}
	if h, ok := c.Handler().(*connHandler); !ok || h.inst.Name != inst.Name || h.inst.Host != inst.Host {
		return lua.LNil
	}
	return inst.connObject(c)
}

// proxyOf makes the instance's proxy for another state's function. The
// proxy carries the function as its upvalue, so exporting it again gives
// the original (foreignOf).
func (inst *Instance) proxyOf(x xfunc) *lua.LFunction {
	ud := inst.L.NewUserData()
	ud.Value = x
	return inst.L.NewClosure(func(L *lua.LState) int {
		args := make([]lua.LValue, L.GetTop())
		for i := range args {
			args[i] = L.Get(i + 1)
		}
		res, _, err := (&argv{from: inst, local: args}).callIn(x.owner, x.fn, "function called from module '"+inst.Name+"'")
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		for _, r := range res {
			L.Push(r)
		}
		return len(res)
	}, ud)
}

// foreignOf is the function fn is a proxy of, if it is one.
func foreignOf(fn *lua.LFunction) (xfunc, bool) {
	if !fn.IsG || len(fn.Upvalues) != 1 {
		return xfunc{}, false
	}
	ud, ok := fn.Upvalues[0].Value().(*lua.LUserData)
	if !ok {
		return xfunc{}, false
	}
	x, ok := ud.Value.(xfunc)
	return x, ok
}

// argv is what a call passes: values of from's state (local), or, when Go
// calls (from nil), exported values (x). x is filled from local on the
// first call into another state; a caller may set both when it knows
// better how a value crosses (an item keeps its identity: itemRef).
type argv struct {
	from  *Instance
	local []lua.LValue
	x     []any
	held  []*Instance // when Go calls: the states its goroutine holds
	// after, when set, sees the arguments as fn's state got them, once fn
	// has returned, in that state (event_writeback.go).
	after func(target *Instance, args []lua.LValue)
}

func (a *argv) exported() []any {
	if a.x == nil && a.from != nil {
		a.x = a.from.exportAll(a.local)
	}
	return a.x
}

// callIn runs fn, a function of target's state, with the arguments. The
// results are in from's state (local) or, when Go called, exported (x).
// The caller holds from. A call within one state runs directly, values
// and all; otherwise see within.
func (a *argv) callIn(target *Instance, fn *lua.LFunction, what string) (local []lua.LValue, x []any, err error) {
	if a.from == target {
		local, err = target.protect(what, fn, lua.MultRet, a.local...)
		return local, nil, err
	}
	args := a.exported()
	chain := a.held
	if a.from != nil {
		chain = chainOf(a.from)
	}
	var failed error // fn's own error; within's is that it could not run fn
	err = within(a.from, chain, target, func() {
		var res []lua.LValue
		in := target.importAll(args)
		res, failed = target.protect(what, fn, lua.MultRet, in...)
		x = target.exportAll(res)
		if a.after != nil {
			a.after(target, in)
		}
	})
	if err == nil {
		err = failed
	}
	if err != nil || a.from == nil {
		return nil, x, err
	}
	return a.from.importAll(x), nil, nil
}

// chainOf is the states the goroutine running a callback of inst holds:
// inst, and those up the chain of calls that led to it.
func chainOf(inst *Instance) []*Instance {
	if inst.chain == nil {
		return []*Instance{inst}
	}
	return inst.chain
}

// within runs f holding target for a call coming from caller (nil: Go),
// whose goroutine holds every state on chain. A state on
// the chain (A calls B, which calls A back) is run directly: the same
// goroutine holds it, lower on the stack. Any other is entered, waiting
// at most the time budget (a few seconds without one): a state another
// goroutine holds may be waiting for one this chain holds.
func within(caller *Instance, chain []*Instance, target *Instance, f func()) error {
	for _, held := range chain {
		if held == target {
			prev := target.chain
			target.chain = chain
			f()
			target.chain = prev
			return nil
		}
	}
	// Half the time budget, so the caller's own budget does not run out
	// first and the error says what happened.
	wait := target.rt.budget().Timeout / 2
	if wait <= 0 {
		wait = 5 * time.Second
	}
	// Go may fire from inside a callback (a module:depends loading a
	// module), so it waits within the bound too.
	ok, timedOut := target.enterWithin(wait)
	if !ok {
		return errCross(caller, target, timedOut, wait)
	}
	prev := target.chain
	target.chain = append(append([]*Instance(nil), chain...), target)
	f()
	target.chain = prev
	target.release()
	return nil
}

// crossError is why a call into another state could not run (rather
// than the error the call raised, which its state has logged).
type crossError struct{ msg string }

func (e *crossError) Error() string { return e.msg }

// errCross says why a call into target could not run, naming both
// modules.
func errCross(caller, target *Instance, timedOut bool, wait time.Duration) error {
	from := "the host"
	if caller != nil {
		from = fmt.Sprintf("module '%s' (host %s)", caller.Name, caller.Host)
	}
	if timedOut {
		return &crossError{fmt.Sprintf("%s gave up calling into module '%s' (host %s) after %s: its Lua state is busy, possibly waiting for this one",
			from, target.Name, target.Host, wait)}
	}
	return &crossError{fmt.Sprintf("module '%s' (host %s) has stopped: %s cannot call its functions any more", target.Name, target.Host, from)}
}
