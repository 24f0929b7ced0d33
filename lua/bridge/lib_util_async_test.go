package bridge

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/moonport/moonport/host/listen"
	"github.com/sirupsen/logrus"
)

// asyncSetup makes both implementations take next ticks and sleeps from
// queues the snippet drains (tick() and wake()), and defines reason(e):
// an error's first line without the positions (Prosody's carries the
// coroutine's traceback and its own file's lines).
const asyncSetup = `
local async = require "util.async"
local ticks, sleeps = {}, {}
async.set_nexttick(function(f) ticks[#ticks + 1] = f end)
async.set_schedule_function(function(delay, f) sleeps[#sleeps + 1] = { delay, f } end)
local function tick() local n = 0; while #ticks > 0 do n = n + 1; table.remove(ticks, 1)() end; return n end
local function wake() local s = table.remove(sleeps, 1); print("wake after", s[1]); s[2]() end
local function reason(e)
	if type(e) == "table" then return "table with code " .. tostring(e.code) end
	e = tostring(e):match("^[^\n]*")
	local n
	repeat e, n = e:gsub("^[^:]*:%d+: ", "") until n == 0
	return e
end
local function watchers(label)
	return {
		ready = function(r) print(label, "ready", r.state) end,
		waiting = function(r) print(label, "waiting", r.state) end,
		error = function(r, e) print(label, "error", reason(e)) end,
	}
end
`

var asyncSnippets = map[string]string{
	"runner and waiter": asyncSetup + `
local dones = {}
local r = async.runner(function(item)
	print("item", item, (async.ready()))
	if item == "wait" then
		local wait, done = async.waiter()
		dones[#dones + 1] = done
		wait()
		print("resumed")
	end
end, watchers("r"))
print(r.state, r.notified_state, type(r.id), r.data, type(r.thread))
print(r:run("a"))
print(r:run("wait"))
print(r:run("queued"))
print(r.state, #r.queue)
dones[1]()
print("after done", r.state, tick(), r.state, #r.queue)
print(r:run())
print(r:enqueue("later") == r, #r.queue, r:run())
local ok, err = async.ready()
print(ok, reason(err))
`,
	"errors": asyncSetup + `
local r = async.runner(function(item)
	if item == "bad" then error("item failed") end
	if item == "table" then error({ code = 1 }) end
	print("item", item)
end, watchers("r"))
print(r:run("bad"))
print(r.thread, r.state)
r:enqueue("ok"):enqueue("bad"):enqueue("after")
print(r:run())
print(r:run("table"))
local plain = async.runner(function(item) error("plain " .. item) end)
local ok, err = pcall(plain.run, plain, "x")
print(ok, reason(err), plain.state)
local default = async.runner()
default:run(function() print("default func") end)
local w = async.runner(function(item)
	local wait, done = async.waiter()
	print("before", item)
	done()
	wait()
	error("after wait " .. item)
end, watchers("w"))
print(w:run(1))
`,
	"waiter counts": asyncSetup + `
print(reason(select(2, pcall(async.waiter))), reason(select(2, async.ready())))
-- done is kept in a table: gopher-lua (yuin/gopher-lua#448) cuts a
-- local from the closures sharing it once a pcall has caught an error.
local saved = {}
local r = async.runner(function(item)
	local wait, done = async.waiter(item.n, item.many)
	saved.done = done
	for _ = 1, item.early or 0 do done() end
	wait()
	print("done waiting", item.n)
end, watchers("r"))
r:run({ n = 2 })
saved.done(); print("one of two", r.state)
saved.done(); tick(); print("two of two", r.state)
print(reason(select(2, pcall(saved.done))))
r:run({ n = 1, early = 1 })
r:run({ n = 1, many = true })
saved.done(); tick(); print(pcall(saved.done))
print(pcall(saved.done))
`,
	"guarder": asyncSetup + `
local guard = async.guarder()
local release_first
local function worker(label)
	return async.runner(function(item)
		if item == "hold" then
			release_first = guard("res")
			print(label, "holds")
			return
		end
		guard("res", function() print(label, "inside", item) end)
		guard(nil, function() print(label, "default id") end)
	end, watchers(label))
end
local a, b, c = worker("a"), worker("b"), worker("c")
a:run("hold")
b:run("x")
c:run("y")
print(b.state, c.state)
release_first()
print(tick(), b.state, c.state)
print(reason(select(2, pcall(guard, "outside"))))
`,
	"sleep and wait_for": asyncSetup + `
local promise = require "util.promise"
promise.set_nexttick(function(f) f() end)
local resolve_later
local r = async.runner(function(item)
	if item == "sleep" then
		async.sleep(5)
		print("slept")
	elseif item == "resolved" then
		print("wait_for", async.wait_for(promise.resolve("value")))
	elseif item == "rejected" then
		local v, e = async.wait(promise.reject("no"))
		print("wait rejected", v, e)
	elseif item == "later" then
		print("waited", async.wait_for(promise.new(function(resolve) resolve_later = resolve end)))
	end
end, watchers("r"))
r:run("sleep")
print(r.state, #sleeps)
wake(); tick()
r:run("resolved"); r:run("rejected"); tick()
r:run("later")
print(r.state)
resolve_later("late"); tick()
print(r.state)
async.set_schedule_function(nil)
r:run("sleep")
`,
	"watchers set later": asyncSetup + `
local done
local r = async.runner(function()
	local wait
	wait, done = async.waiter()
	wait()
	error("oops")
end, {})
r:onready(function(s) print("ready", s.state) end)
	:onwaiting(function(s) print("waiting", s.state) end)
	:onerror(function(s, e) print("onerror", reason(e)) end)
r:run(1)
done()
print(r.state, type(r.thread), tick())
`,
}

func TestUtilAsyncDifferential(t *testing.T) {
	sameAsProsody(t, asyncSnippets, nil)
}

// In moonport, as in a running Prosody, a runner's next tick and sleep
// are timer tasks: the runner goes on in a later callback of the
// module's own loop.
func TestUtilAsyncOnTimers(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"async": `
local async = require "util.async"
local log = {}
local r = async.runner(function(item)
	log[#log + 1] = "start " .. item
	async.sleep(0.01)
	log[#log + 1] = "slept " .. item
end)
function start() r:run("a"); r:run("b"); return table.concat(log, ", ") end
function show() return r.state .. ": " .. table.concat(log, ", ") end
`}).load(t, "async")
	got, err := callGlobal(inst, "start")
	if err != nil || got != "start a" {
		t.Fatalf("start: %q %v", got, err)
	}
	eventually(t, inst, "show", "ready: start a, slept a, start b, slept b")
}

// A runner resumed by a timer runs under the instance's run budget like
// any callback: a loop after a sleep is stopped and logged (at the line
// that resumed the coroutine, in util.async).
func TestUtilAsyncRunnerHasTheRunBudget(t *testing.T) {
	tr := newTestRuntime(t, "lua_timeout = 0.2\n", map[string]string{"spin": `
local async = require "util.async"
local r = async.runner(function()
	async.sleep(0.01)
	while true do end
end)
function start() r:run(1); return r.state end
`})
	inst := tr.load(t, "spin")
	if got, err := callGlobal(inst, "start"); err != nil || got != "waiting" {
		t.Fatalf("start: %q %v", got, err)
	}
	tr.log.wait(t, "level=error", "error in timer", "stopped after running longer than lua_timeout", "module=spin")
}

// A runner waiting on a connection is resumed by the connection's
// callback: done() from onincoming (net.server, a real loopback socket)
// runs the rest of the item there and then, on the module's loop.
func TestUtilAsyncResumedByAConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write([]byte("ping"))
		_, _ = c.Read(make([]byte, 1)) // until the module closes
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	log := logrus.New()
	log.SetOutput(&logBuffer{})
	rt := New(Options{Log: log, Config: evaluate(t, ""), Server: listen.NewServer(log), Settings: listen.DefaultSettings(), Sources: sourcesOf(map[string]string{"waits": `
local async = require "util.async"
local server = require "net.server"
local log = {}
local r = async.runner(function(port)
	local wait, done = async.waiter()
	local got = {}
	server.addclient("127.0.0.1", port, {
		onincoming = function(conn, data)
			log[#log + 1] = "incoming"
			got.data = data
			conn:close()
			done()
			log[#log + 1] = "after done"
		end,
	})
	log[#log + 1] = "waiting"
	wait()
	log[#log + 1] = "resumed with " .. got.data .. ", ready " .. tostring(async.ready())
end)
function start(port) r:run(port); return r.state end
function show() return r.state .. ": " .. table.concat(log, ", ") end
`})})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	inst, err := rt.Load("waits", "*")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(inst, "start", port); err != nil || got != "waiting" {
		t.Fatalf("start: %q %v", got, err)
	}
	eventually(t, inst, "show", "ready: waiting, incoming, resumed with ping, ready true, after done")
}
