-- moonport's util.async, with the semantics of Prosody 0.12's: a runner
-- feeds queued items to one function in a coroutine, which may wait
-- (waiter, guarder, sleep, wait_for) without blocking its caller; whoever
-- calls done() resumes it. Coroutines here are gopher-lua threads of the
-- module's state: they cost no goroutine, share the state's run budget and
-- run inside whatever callback resumes them (a timer, a connection event),
-- under the instance's executor like any callback. As in a running
-- Prosody, next ticks and sleeps are util.timer tasks unless
-- set_nexttick/set_schedule_function say otherwise.
local setmetatable, error, pcall, xpcall = setmetatable, error, pcall, xpcall
local select, unpack = select, unpack or table.unpack
local insert, remove = table.insert, table.remove
local co_create, co_resume, co_yield = coroutine.create, coroutine.resume, coroutine.yield
local co_running, co_status, co_close = coroutine.running, coroutine.status, coroutine.close
local traceback = debug and debug.traceback or function(m) return m end
local logger = require "util.logger"
local new_id = require "util.id".short
local add_task = require "util.timer".add_task

local log = logger.init("util.async")

-- The timer's callback must return nothing, or the task repeats.
local next_tick = function(f) add_task(0, function() f() end) end
local schedule_task = function(delay, f) add_task(delay, function() f() end) end

-- runner_of finds a runner from its coroutine, when a resume fails there
-- (Prosody reads it off the coroutine's stack; gopher-lua cannot).
local runner_of = setmetatable({}, { __mode = "kv" })

local function checkthread()
	local thread = co_running()
	if not thread then
		error("Not running in an async context, see https://prosody.im/doc/developers/util/async")
	end
	return thread
end

local function call_watcher(runner, name, ...)
	local watcher = runner.watchers[name]
	if not watcher then return false end
	runner:log("debug", "Calling '%s' watcher", name)
	local n, args = select("#", ...), { ... }
	local ok, err = xpcall(function() return watcher(runner, unpack(args, 1, n)) end, traceback)
	if not ok then
		runner:log("error", "Error in '%s' watcher: %s", name, err)
		return nil, err
	end
	return true
end

-- continue resumes a waiting runner's coroutine; when it finishes its item
-- the runner goes on with its queue on the next tick.
local function continue(thread)
	if co_status(thread) ~= "suspended" then
		log("error", "unexpected async state: thread not suspended")
		return false
	end
	local ok, state = co_resume(thread)
	local runner = runner_of[thread]
	if not ok then
		if not runner then
			log("error", "unexpected async state: unable to locate runner during error handling")
			return false
		end
		call_watcher(runner, "error", state)
		runner.state = "ready"
		return runner:run()
	elseif state == "ready" then
		next_tick(function()
			runner.state = "ready"
			runner:run()
		end)
	end
	return true
end

-- waiter returns wait, which suspends the current runner until done has
-- been called num times (1 by default), and done; more calls of done are
-- an error unless allow_many.
local function waiter(num, allow_many)
	local thread = checkthread()
	num = num or 1
	local waiting
	local function wait()
		if num == 0 then return end
		waiting = true
		co_yield("wait")
	end
	local function done()
		num = num - 1
		if num == 0 and waiting then
			continue(thread)
		elseif not allow_many and num < 0 then
			error("done() called too many times")
		end
	end
	return wait, done
end

-- guarder returns guard(id, func): one runner at a time per id; others
-- wait their turn. With func it runs func and releases; without, it
-- returns the release function.
local function guarder()
	local guards, default_id = {}, {}
	return function(id, func)
		id = id or default_id
		local thread = checkthread()
		local queue = guards[id]
		if queue then
			insert(queue, thread)
			co_yield("wait")
		else
			queue = {}
			guards[id] = queue
		end
		local function release()
			local next_thread = remove(queue, 1)
			if next_thread then
				continue(next_thread)
			else
				guards[id] = nil
			end
		end
		if not func then return release end
		func()
		release()
	end
end

local function sleep(seconds)
	if not schedule_task then error("async.sleep() is not available - configure schedule function") end
	local wait, done = waiter()
	schedule_task(seconds, done)
	wait()
end

local runner_mt = {}
runner_mt.__index = runner_mt

-- new_thread makes a runner's coroutine and starts it, so it waits for
-- its first item.
local function new_thread(func, runner)
	local thread = co_create(function(self)
		while true do func(co_yield("ready", self)) end
	end)
	runner_of[thread] = runner
	local ok, err = co_resume(thread, runner)
	if not ok then error(err, 0) end
	return thread
end

local function default_error_watcher(runner, err)
	runner:log("error", "Encountered error: %s", err)
	error(err, 0)
end

local function default_func(f) f() end

local function runner(func, watchers, data)
	local id = new_id()
	return setmetatable({
		func = func or default_func, thread = false, state = "ready", notified_state = "ready",
		queue = {}, watchers = watchers or { error = default_error_watcher }, data = data,
		id = id, _log = logger.init("runner" .. id),
	}, runner_mt)
end

-- drain feeds queued items to the coroutine until the queue is empty, an
-- item waits or one fails; it returns the new state and the error.
local function drain(self, thread)
	local q = self.queue
	while #q > 0 do
		local ok, state = co_resume(thread, q[1])
		remove(q, 1)
		if not ok then
			self.thread = nil
			return "ready", state
		elseif state == "wait" then
			return "waiting"
		end
	end
	return "ready"
end

-- run queues input (when not nil) and, unless the runner is busy, runs
-- what is queued; it returns true, the state and the items left.
function runner_mt:run(input)
	if input ~= nil then insert(self.queue, input) end
	if self.state ~= "ready" then return true, self.state, #self.queue end
	local thread = self.thread
	if not thread or co_status(thread) == "dead" then
		if thread and co_close then co_close(thread) end
		self:log("debug", "creating new coroutine")
		thread = new_thread(self.func, self)
		self.thread = thread
	end
	self.state = "running"
	local state, err = drain(self, thread)
	self.state = state
	if err or state ~= self.notified_state then
		self:log("debug", "changed state from %s to %s", self.notified_state, err and ("error (" .. state .. ")") or state)
		if err then
			state = "error"
		else
			self.notified_state = state
		end
		local handler = self.watchers[state]
		if handler then handler(self, err) end
	end
	if #self.queue > 0 then return self:run() end
	return true, state, 0
end

function runner_mt:enqueue(input)
	insert(self.queue, input)
	self:log("debug", "queued new work item, %d items queued", #self.queue)
	return self
end

function runner_mt:log(level, fmt, ...) return self._log(level, fmt, ...) end

function runner_mt:onready(f) self.watchers.ready = f; return self end
function runner_mt:onwaiting(f) self.watchers.waiting = f; return self end
function runner_mt:onerror(f) self.watchers.error = f; return self end

local function ready() return pcall(checkthread) end

-- wait_for suspends the runner until promise settles: its value, or nil
-- and the reason.
local function wait_for(promise)
	local wait, done = waiter()
	local value, reason
	promise:next(function(v) value = v end, function(e) reason = e end):finally(done)
	wait()
	if value then return value end
	return nil, reason
end

return {
	ready = ready,
	waiter = waiter,
	guarder = guarder,
	runner = runner,
	wait = wait_for,
	wait_for = wait_for,
	sleep = sleep,
	set_nexttick = function(f) next_tick = f end,
	set_schedule_function = function(f) schedule_task = f end,
}
