-- moonport's util.promise, with the semantics of Prosody 0.12's: a promise
-- is "pending", then "fulfilled" with a value or "rejected" with a reason,
-- once. Executors (and so the attaching of next's handlers) run on the
-- next tick: a util.timer task of delay 0, as in a running Prosody, unless
-- set_nexttick says otherwise. Settling calls the waiting handlers at once.
local setmetatable, getmetatable, ipairs, pairs = setmetatable, getmetatable, ipairs, pairs
local select, type, xpcall, unpack = select, type, xpcall, unpack
local traceback = debug and debug.traceback

local methods = {}
local promise_mt = { __name = "promise", __index = methods }
function promise_mt.__tostring(p) return "promise (" .. (p._state or "invalid") .. ")" end

local function is_promise(o) return getmetatable(o) == promise_mt end

local add_task = require "util.timer".add_task
local next_tick = function(f) add_task(0, function() f() end) end

-- protected calls f(arg) and says whether it returned, with its first
-- result or the error (a string error with the stack appended).
local function protected(f, a, b)
	return xpcall(function() return f(a, b) end, function(err)
		if traceback and type(err) == "string" then return traceback(err, 2) end
		return err
	end)
end

-- handler makes the callback for one outcome of a promise: f's result
-- resolves the next promise and its error rejects it; with no f the
-- outcome passes on through fallback.
local function handler(f, resolve, reject, fallback)
	if not f then return fallback end
	return function(v)
		local ok, ret = protected(f, v)
		if ok then resolve(ret) else reject(ret) end
		return true
	end
end

-- The three ways a promise hands its outcome to a next: kept for later
-- while pending, at once when settled.
local function attach_pending(p, on_fulfilled, on_rejected, resolve, reject)
	local fs, rs = p._pending_on_fulfilled, p._pending_on_rejected
	fs[#fs + 1] = handler(on_fulfilled, resolve, reject, resolve)
	rs[#rs + 1] = handler(on_rejected, resolve, reject, reject)
end
local function attach_fulfilled(p, on_fulfilled, _, resolve, reject)
	handler(on_fulfilled, resolve, reject, resolve)(p.value)
end
local function attach_rejected(p, _, on_rejected, resolve, reject)
	handler(on_rejected, resolve, reject, reject)(p.reason)
end

-- settle moves a pending promise to state and calls the waiting callbacks;
-- the value is stored after them, as Prosody's does.
local function settle(p, state, attach, callbacks, v)
	if p._state ~= "pending" then return false end
	p._state, p._next = state, attach
	for _, cb in ipairs(callbacks) do cb(v) end
	p._pending_on_fulfilled, p._pending_on_rejected = nil, nil
	return true
end

-- resolvers are the one-shot resolve and reject of p; resolving with a
-- promise makes p follow it.
local function resolvers(p)
	local done = false
	local resolve, reject
	function resolve(v)
		if done then return end
		done = true
		if is_promise(v) then
			v:next(resolvers(p))
		elseif settle(p, "fulfilled", attach_fulfilled, p._pending_on_fulfilled, v) then
			p.value = v
		end
	end
	function reject(e)
		if done then return end
		done = true
		if settle(p, "rejected", attach_rejected, p._pending_on_rejected, e) then
			p.reason = e
		end
	end
	return resolve, reject
end

local function new(executor)
	local p = setmetatable({ _state = "pending", _next = attach_pending,
		_pending_on_fulfilled = {}, _pending_on_rejected = {} }, promise_mt)
	if executor then
		next_tick(function()
			local resolve, reject = resolvers(p)
			local ok, err = protected(executor, resolve, reject)
			if not ok and p._state == "pending" then reject(err) end
		end)
	end
	return p
end

local function resolved(v) return new(function(resolve) resolve(v) end) end
local function rejected(e) return new(function(_, reject) reject(e) end) end

function methods:next(on_fulfilled, on_rejected)
	local p = self
	return new(function(resolve, reject) p:_next(on_fulfilled, on_rejected, resolve, reject) end)
end

function methods:catch(on_rejected) return self:next(nil, on_rejected) end

function methods:finally(on_finally)
	return self:next(function(v) on_finally(); return v end,
		function(e) on_finally(); return rejected(e) end)
end

-- gather settles with a table of every entry of promises, keys kept:
-- each promise's outcome as record makes it, other values as they are.
-- A promise whose record returns false rejects the whole at once.
local function gather(promises, record)
	return new(function(resolve, reject)
		local results, waiting, looped = {}, 0, false
		local function one_done()
			waiting = waiting - 1
			if waiting == 0 and looped then resolve(results) end
		end
		for k, v in pairs(promises) do
			if is_promise(v) then
				waiting = waiting + 1
				record(v, k, results, one_done, reject)
			else
				results[k] = v
			end
		end
		looped = true
		if waiting == 0 then resolve(results) end
	end)
end

local function all(promises)
	return gather(promises, function(p, k, results, done, reject)
		p:next(function(v) results[k] = v; done() end, reject)
	end)
end

local function all_settled(promises)
	return gather(promises, function(p, k, results, done)
		p:next(function(v) results[k] = { status = "fulfilled", value = v }; done() end,
			function(e) results[k] = { status = "rejected", reason = e }; done() end)
	end)
end

local function join(fn, ...)
	local n, promises = select("#", ...), { ... }
	return all(promises):next(function(results) return fn(unpack(results, 1, n)) end)
end

local function race(promises)
	return new(function(resolve, reject)
		for i = 1, #promises do promises[i]:next(resolve, reject) end
	end)
end

local function try(f)
	return resolved():next(function() return f() end)
end

return {
	new = new,
	resolve = resolved,
	reject = rejected,
	all = all,
	all_settled = all_settled,
	join = join,
	race = race,
	try = try,
	is_promise = is_promise,
	set_nexttick = function(f) next_tick = f end,
}
