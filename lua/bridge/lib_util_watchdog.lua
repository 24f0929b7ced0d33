-- util.watchdog on moonport's timers: callback runs once timeout seconds
-- pass without a reset. Prosody counts in whole seconds (os.time) and
-- looks a second late; this one keeps fractions and looks when the time
-- is up, so a watchdog of 0.5 seconds means half a second.
local timer = require "util.timer"
local clock = require "util.time"

local methods = {}
local watchdog_mt = { __index = methods }

-- reset starts the timeout again from now.
function methods:reset()
	self.last_reset = clock.now()
end

-- cancel stops the watchdog for good: its timer ends at its next look.
function methods:cancel()
	self.last_reset = nil
end

-- new makes a watchdog; callback(watchdog) runs on the module's loop, and
-- a number it returns looks again that many seconds later (calling it
-- again unless reset meanwhile), as in Prosody.
local function new(timeout, callback)
	local dog = setmetatable({ timeout = timeout, callback = callback, last_reset = clock.now() }, watchdog_mt)
	timer.add_task(timeout, function(now)
		if dog.last_reset == nil then
			return nil
		end
		local left = dog.last_reset + timeout - now
		if left <= 0 then
			return dog:callback()
		end
		return left
	end)
	return dog
end

return { new = new }
