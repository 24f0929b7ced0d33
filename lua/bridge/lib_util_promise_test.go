package bridge

import (
	"strings"
	"testing"
)

// promiseSetup makes both implementations run executors from a queue the
// snippet drains, and defines show(label, value) and reason(err): the
// first line of an error without its position (the stack and the
// snippet's line numbers differ between the two).
const promiseSetup = `
local promise = require "util.promise"
local queue = {}
promise.set_nexttick(function(f) queue[#queue + 1] = f end)
local function drain() local n = 0; while #queue > 0 do n = n + 1; table.remove(queue, 1)() end; return n end
local function reason(e)
	if type(e) ~= "string" then return tostring(type(e) == "table" and e.code or e) end
	return (e:match("^[^\n]*"):gsub("^.-:%d+: ", ""))
end
local function show(label) return function(v) print(label, type(v) == "table" and #v or v) end end
local function fail(label) return function(e) print(label, reason(e)) end end
`

var promiseSnippets = map[string]string{
	"chain": promiseSetup + `
local p = promise.new(function(resolve) print("executor"); resolve(1) end)
print(tostring(p), promise.is_promise(p), promise.is_promise({}))
print("queued", #queue)
p:next(function(v) print("first", v); return v + 1 end)
	:next(function(v) print("second", v); error("boom") end)
	:next(show("skipped"))
	:catch(function(e) print("caught", reason(e)); return "recovered" end)
	:finally(function() print("finally") end)
	:next(show("after finally"))
print("ticks", drain(), tostring(p), p.value)
local r = promise.reject({ code = 7 })
r:next(show("not called")):catch(fail("rejected"))
r:finally(function() print("finally on rejected") end):catch(fail("still rejected"))
print("ticks", drain(), tostring(r), reason(r.reason))
`,
	"settle once": promiseSetup + `
local keep_resolve, keep_reject
local p = promise.new(function(resolve, reject) keep_resolve, keep_reject = resolve, reject end)
p:next(show("fulfilled"), fail("rejected"))
drain()
print(tostring(p))
keep_resolve("a"); keep_resolve("b"); keep_reject("c")
print(tostring(p), p.value, p.reason)
local q = promise.new(function() error("in executor") end)
q:catch(fail("executor error"))
drain()
print(tostring(q))
local late = promise.new(function(resolve) resolve("early"); error("late") end)
late:next(show("kept"))
drain()
print(tostring(promise.new()), #queue)
`,
	"adopt": promiseSetup + `
local inner_resolve
local inner = promise.new(function(resolve) inner_resolve = resolve end)
local outer = promise.resolve(inner)
outer:next(show("outer"))
drain()
print(tostring(outer), tostring(inner))
inner_resolve("through")
drain()
print(tostring(outer), outer.value)
promise.resolve(promise.reject("no")):catch(fail("adopted rejection"))
promise.resolve(1):next(function() return promise.resolve(2) end):next(show("returned promise"))
drain()
`,
	"combinators": promiseSetup + `
local a = promise.resolve("a")
local b = promise.new(function(resolve) resolve("b") end)
local bad = promise.reject("bad")
promise.all({ a, b, "plain" }):next(function(r) print("all", r[1], r[2], r[3]) end)
promise.all({ x = a, y = "y" }):next(function(r) print("all keys", r.x, r.y) end)
promise.all({}):next(function(r) print("all empty", next(r)) end)
promise.all({ a, bad, b }):next(show("no"), fail("all rejected"))
promise.all_settled({ a, bad, 3 }):next(function(r)
	print("settled", r[1].status, r[1].value, r[2].status, r[2].reason, r[3])
end)
promise.race({ promise.new(), b, a }):next(show("race"))
promise.race({ bad, a }):next(show("no"), fail("race rejected"))
promise.join(function(x, y, z) print("join", x, y, z); return "joined" end, a, b, promise.resolve()):next(show("join result"))
promise.try(function() return "tried" end):next(show("try"))
promise.try(function() error({ code = 9 }) end):catch(fail("try error"))
print("ticks", drain())
`,
}

// Each snippet runs twice: executors queued and drained by the snippet,
// and run as soon as they are made (as Prosody's library does outside a
// server).
func TestUtilPromiseDifferential(t *testing.T) {
	const queued = "promise.set_nexttick(function(f) queue[#queue + 1] = f end)"
	snippets := map[string]string{}
	for name, s := range promiseSnippets {
		snippets[name] = s
		snippets[name+" at once"] = strings.Replace(s, queued, "promise.set_nexttick(function(f) f() end)", 1)
	}
	sameAsProsody(t, snippets, nil)
}

// In moonport, as in a running Prosody, an executor (and so a next's
// handler) runs in a task of the module's loop after the current
// callback, not within it.
func TestUtilPromiseRunsOnNextTick(t *testing.T) {
	inst := newTestRuntime(t, "", map[string]string{"promises": `
local promise = require "util.promise"
local log = {}
local early = promise.resolve("at load")
local loaded = "not yet"
early:next(function(v) loaded = v end)
function start()
	local p = promise.new(function(resolve) log[#log + 1] = "executor"; resolve(1) end)
	p:next(function(v) log[#log + 1] = "next " .. v; return v + 1 end)
		:next(function(v) log[#log + 1] = "then " .. v end)
	log[#log + 1] = "returned"
	return table.concat(log, ", ")
end
function show() return loaded .. ": " .. table.concat(log, ", ") end
`}).load(t, "promises")
	got, err := callGlobal(inst, "start")
	if err != nil {
		t.Fatal(err)
	}
	if got != "returned" {
		t.Errorf("start returned %q: an executor ran within the call", got)
	}
	eventually(t, inst, "show", "at load: returned, executor, next 1, then 2")
}
