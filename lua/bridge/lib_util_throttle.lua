-- util.throttle: a token bucket. A throttle holds up to max tokens and
-- regains them at rate per second; fields rate, max, t (when balance was
-- last brought up to date) and balance are the module's to read, as in
-- Prosody.
local clock = require "util.time" -- looked up at each call: tests set a clock of their own

local methods = {}
local throttle_mt = { __index = methods }

-- update credits the tokens earned since the last update, up to max, and
-- returns the balance.
function methods:update()
	local now = clock.now()
	local earned = (now - self.t) * self.rate
	self.t = now
	self.balance = math.min(self.max, self.balance + earned)
	return self.balance
end

-- peek says whether cost (default 1) tokens are there, without taking them.
function methods:peek(cost)
	cost = cost or 1
	if self.balance >= cost then
		return true
	end
	return self:update() >= cost
end

-- poll takes cost tokens when there are enough and returns true; else it
-- returns false, the balance and how many are missing, and with split it
-- spends what there is (the balance drops to zero).
function methods:poll(cost, split)
	cost = cost or 1
	if self:peek(cost) then
		self.balance = self.balance - cost
		return true
	end
	local had = self.balance
	if split then
		self.balance = 0
	end
	return false, had, cost - had
end

-- create makes a throttle of max tokens, refilled over period seconds; it
-- starts full.
local function create(max, period)
	return setmetatable({ max = max, rate = max / period, balance = max, t = clock.now() }, throttle_mt)
end

return { create = create }
