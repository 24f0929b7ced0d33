package bridge

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// crossProvider offers a function through an item: it runs in its own
// state (calls counts there), takes a table and a callback from the
// caller's state and hands back a table with a function of its own.
const crossProvider = `
calls = 0
local secret = "prov-state"
function count() return tostring(calls) end
module:add_item("tool", {
	name = "tool",
	data = { list = { 1, 2, 3 } },
	run = function(arg, cb)
		calls = calls + 1
		local back = cb and cb("from prov") or "no cb"
		return { sum = arg.a + arg.b, secret = secret, back = back,
			again = function() calls = calls + 1; return "again " .. calls end }
	end,
})
`

const crossConsumer = `
local mine = "cons-state"
function use()
	local tool = module:get_host_items("tool")[1]
	local res = tool.run({ a = 2, b = 3 }, function(s) return s .. " via " .. mine end)
	return table.concat({ res.sum, res.secret, res.back, res.again(), #tool.data.list }, " ")
end
function keep() held = module:get_host_items("tool")[1].run end
function call_held() local ok, err = pcall(held, { a = 1, b = 1 }); return tostring(ok) .. " " .. tostring(err) end
`

// A function of another instance runs on its own state, arguments copied
// in, results copied out, callbacks going back the other way (the A→B→A
// chain runs on the goroutine that holds both).
func TestCrossCallRunsInTheOwnersState(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"prov": crossProvider, "cons": crossConsumer})
	prov, cons := tr.load(t, "prov"), tr.load(t, "cons")
	got, err := callGlobal(cons, "use")
	if err != nil {
		t.Fatal(err)
	}
	if want := "5 prov-state from prov via cons-state again 2 3"; got != want {
		t.Errorf("use: %q, want %q", got, want)
	}
	if got, _ := callGlobal(prov, "count"); got != "2" {
		t.Errorf("calls in prov's state: %s", got)
	}
}

// A proxy of a stopped instance's function raises an error naming it.
func TestCrossCallIntoStoppedInstance(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"prov": crossProvider, "cons": crossConsumer})
	prov, cons := tr.load(t, "prov"), tr.load(t, "cons")
	if _, err := callGlobal(cons, "keep"); err != nil {
		t.Fatal(err)
	}
	tr.stopInstance(prov)
	got, err := callGlobal(cons, "call_held")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "false ") || !strings.Contains(got, "module 'prov' (host *) has stopped") || !strings.Contains(got, "module 'cons'") {
		t.Errorf("call into a stopped instance: %q", got)
	}
}

// spinner offers a function through an item and calls the other's while
// holding its own state: with both sides doing so from two goroutines,
// each waits for the other; the wait is bounded and the error names both.
func spinner(me, other string) string {
	return `
module:add_item("spin", { owner = "` + me + `", f = function() return "` + me + ` ran" end })
function go()
	local target
	for _, it in ipairs(module:get_host_items("spin")) do
		if it.owner == "` + other + `" then target = it.f end
	end
	flag("` + me + `", true)
	for i = 1, 5e6 do if flag("` + other + `") then break end end
	local ok, err = pcall(target)
	return tostring(ok) .. " " .. tostring(err)
end
`
}

func TestCrossWaitIsBounded(t *testing.T) {
	tr := newTestRuntime(t, `lua_timeout = 2`, map[string]string{"x": spinner("x", "y"), "y": spinner("y", "x")})
	x, y := tr.load(t, "x"), tr.load(t, "y")
	// Flags outside both states: a module:shared table lives in one of
	// them, which the other could not read while it spins.
	var flags sync.Map
	for _, inst := range []*Instance{x, y} {
		inst.call(func() {
			inst.L.SetGlobal("flag", inst.L.NewFunction(func(L *lua.LState) int {
				if L.GetTop() > 1 {
					flags.Store(L.CheckString(1), true)
				}
				_, ok := flags.Load(L.CheckString(1))
				L.Push(lua.LBool(ok))
				return 1
			}))
		})
	}
	var wg sync.WaitGroup
	out := make([]string, 2)
	errs := make([]error, 2)
	start := time.Now()
	for i, inst := range []*Instance{x, y} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = callGlobal(inst, "go")
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the calls took %s", d)
	}
	timedOut := 0
	for i, got := range out {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if strings.HasPrefix(got, "false ") && strings.Contains(got, "gave up calling into module") {
			timedOut++
			if !strings.Contains(got, "module 'x'") || !strings.Contains(got, "module 'y'") {
				t.Errorf("the error does not name both modules: %q", got)
			}
		} else if got != "true x ran" && got != "true y ran" {
			t.Errorf("call %d: %q", i, got)
		}
	}
	if timedOut == 0 {
		t.Errorf("neither call gave up: %q", out)
	}
}

// testCounter is a portable Go object: its proxy's bump counts on the
// object itself, whichever state calls it.
type testCounter struct {
	mu sync.Mutex
	n  int
}

func (c *testCounter) proxyIn(inst *Instance) lua.LValue {
	L := inst.L
	mt, methods := L.NewTable(), L.NewTable()
	markPortable(L, mt, c)
	methods.RawSetString("bump", L.NewFunction(func(L *lua.LState) int {
		c.mu.Lock()
		c.n++
		L.Push(lua.LNumber(c.n))
		c.mu.Unlock()
		return 1
	}))
	mt.RawSetString("__index", methods)
	t := L.NewTable()
	L.SetMetatable(t, mt)
	return t
}

// A portable object passed to another state's function is made anew
// there on the same Go object, and comes back as one.
func TestPortableObjectsCross(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{
		"b": `module:add_item("p", { use = function(o) return o:bump() + o:bump(), o end })`,
		"a": `function pass()
	local sum, back = module:get_host_items("p")[1].use(obj)
	return sum .. " " .. back:bump()
end`})
	tr.load(t, "b")
	a := tr.load(t, "a")
	c := &testCounter{}
	a.call(func() { a.L.SetGlobal("obj", c.proxyIn(a)) })
	if got, err := callGlobal(a, "pass"); got != "3 3" {
		t.Errorf("pass: %q %v", got, err)
	}
	if c.n != 3 {
		t.Errorf("the Go object counted %d", c.n)
	}
}

// A function of another state runs under that state's run budget: a
// runaway one is stopped there, the caller gets the error, and both
// modules serve on.
func TestCrossCallUnderTheOwnersBudget(t *testing.T) {
	tr := newTestRuntime(t, `lua_timeout = 0.2`, map[string]string{
		"b": `module:add_item("spin", { f = function() while true do end end })
function ok() return "b ok" end`,
		"a": `function call() local ok, err = pcall(module:get_host_items("spin")[1].f); return tostring(ok) .. " " .. tostring(err) end
function ok() return "a ok" end`})
	b, a := tr.load(t, "b"), tr.load(t, "a")
	got, err := callGlobal(a, "call")
	if !strings.Contains(got+fmt.Sprint(err), "lua_timeout") {
		t.Errorf("call: %q %v", got, err)
	}
	if l := tr.log.lines("module=b", "lua_timeout"); len(l) == 0 {
		t.Errorf("b's log does not say its callback was stopped:\n%s", tr.log.String())
	}
	for _, inst := range []*Instance{a, b} {
		if got, err := callGlobal(inst, "ok"); err != nil || !strings.HasSuffix(got, " ok") {
			t.Errorf("%s after: %q %v", inst.Name, got, err)
		}
	}
}
