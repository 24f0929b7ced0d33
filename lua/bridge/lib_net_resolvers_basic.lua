-- net.resolvers.basic: a resolver that yields its one target. Prosody's
-- looks the name up through net.adns and yields each address; here the
-- name goes to net.server.addclient as it is and Go's dialer resolves it
-- (trying each address), so one target is enough.
local methods = {}
local resolver_mt = { __index = methods }

-- next calls cb(conn_type, host, port, extra) for the target the first
-- time and cb() after, as a resolver that has run out.
function methods:next(cb)
	if self.used then
		self.last_error = self.last_error or "no more targets"
		return cb()
	end
	self.used = true
	return cb(self.conn_type, self.hostname, self.port, self.extra)
end

local function new(hostname, port, conn_type, extra)
	return setmetatable({ hostname = hostname, port = tonumber(port), conn_type = conn_type or "tcp", extra = extra }, resolver_mt)
end

return { new = new }
