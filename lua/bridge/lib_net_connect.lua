-- net.connect: Prosody's connect(resolver, listeners, options, data) on
-- net.server.addclient: each target the resolver gives is tried in turn
-- until one connects, which then goes to listeners (conn:setlistener with
-- data, then listeners.onconnect); when none is left,
-- listeners.onfail(data, reason). moonport's addition: connect(host, port,
-- listeners, options, data) for a single host.
local server = require "net.server"
local basic = require "net.resolvers.basic"

local attempt

-- pending_listeners are the callbacks of a connection still on trial.
local function pending_listeners(p)
	return {
		onconnect = function(conn)
			conn:setlistener(p.listeners, p.data)
			if p.listeners.onconnect then
				return p.listeners.onconnect(conn)
			end
		end,
		ondisconnect = function(_, reason)
			p.last_error = reason or "unknown reason"
			attempt(p)
		end,
	}
end

function attempt(p)
	p.resolver:next(function(conn_type, host, port)
		if not conn_type then
			if p.listeners.onfail then
				p.listeners.onfail(p.data, p.last_error or p.resolver.last_error or "unable to resolve service")
			end
			return
		end
		local conn, err = server.addclient(host, port, pending_listeners(p), p.options.pattern or "*a")
		if not conn then
			p.last_error = err or "unknown reason"
			return attempt(p)
		end
	end)
end

local function connect(target, listeners, options, data, ...)
	if type(target) ~= "table" then
		-- connect(host, port, listeners, options, data)
		target, listeners, options, data = basic.new(target, listeners), options, data, ...
	end
	assert(type(listeners) == "table", "listeners expected")
	attempt({ resolver = target, listeners = listeners, options = options or {}, data = data })
end

return { connect = connect }
