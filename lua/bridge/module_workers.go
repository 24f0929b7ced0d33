package bridge

import (
	"fmt"
	"runtime"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// How many copies of a module serve what it provides (Runtime.copies
// makes them), from the most to the least specific say:
//
//  1. the operator's <service>_workers (a net service's name; an HTTP
//     module's own name for its routes): the operator knows the machine;
//  2. the item's workers field: the module author's word on that service;
//  3. module:set_workers(n): the author's word on everything the module
//     provides (moonport's addition; Prosody has no such call, so a module
//     meant for both guards it: if module.set_workers then … end);
//  4. one copy.
//
// "auto" is one copy per CPU the Go runtime uses (GOMAXPROCS).

func init() { registerModuleMethods(map[string]lua.LGFunction{"set_workers": moduleSetWorkers}) }

// moduleSetWorkers is module:set_workers(n | "auto"): the module is safe
// to copy (it keeps no state between connections, or keeps it in a
// shared dict). Read once the module has loaded, so it may come before
// or after module:provides.
func moduleSetWorkers(L *lua.LState) int {
	inst := instanceOf(L)
	v, _ := luaval.ToGo(L.Get(2))
	n, ok := parseWorkers(v)
	if !ok {
		L.RaiseError("module:set_workers(%s): %s", value.Format(v), workersExpected)
	}
	inst.moduleWorkers = n
	return 0
}

// workers reads how many copies of the module serve a service: the
// operator's <service>_workers option, else the item's own workers
// field; 0 when neither says (then module:set_workers decides, in
// copies).
func (inst *Instance) workers(service string, declared lua.LValue) (int, error) {
	v, _ := luaval.ToGo(declared)
	where := "workers"
	if o, ok := inst.snap.Load().Get("*", service+"_workers"); ok {
		v, where = o.Value, o.Location.String()+": "+service+"_workers"
	}
	if v == nil {
		return 0, nil
	}
	n, ok := parseWorkers(v)
	if !ok {
		return 0, fmt.Errorf("%s = %s: %s", where, value.Format(v), workersExpected)
	}
	return n, nil
}

const workersExpected = `expected "auto" or a whole number from 1 to 256`

// parseWorkers reads "auto" or a whole number from 1 to 256 (a number,
// or a string of one).
func parseWorkers(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		if x == "auto" {
			return runtime.GOMAXPROCS(0), true
		}
		if n, err := strconv.Atoi(x); err == nil && n >= 1 && n <= 256 {
			return n, true
		}
	case float64:
		if x >= 1 && x <= 256 && x == float64(int(x)) {
			return int(x), true
		}
	}
	return 0, false
}

// resolveWorkers settles, once the primary has loaded, how many copies
// each of its services and its HTTP routes get (those that did not say
// get module:set_workers' count, else 1) and returns the most, the copies
// to make.
func (primary *Instance) resolveWorkers() int {
	def := max(primary.moduleWorkers, 1)
	want := 0
	for _, s := range primary.services {
		if s.Workers == 0 {
			s.Workers = def
		}
		want = max(want, s.Workers)
	}
	if len(primary.http) > 0 {
		if primary.httpWorkers == 0 {
			primary.httpWorkers = def
		}
		want = max(want, primary.httpWorkers)
	}
	return want
}
