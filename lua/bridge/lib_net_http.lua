-- net.http: Prosody's HTTP client API over moonport's Go core (the chunk's
-- argument: request, destroy_request and the URL and form codecs). A
-- client (new) has options, events and request; request without a
-- callback returns a util.promise.
local core = ...
local events = require "util.events"
local promise = require "util.promise"

-- failure is what a promise is rejected with: the shape of Prosody's
-- net.http errors (util.error), with the reason as condition and text.
local failure_mt = { __tostring = function(e) return e.text end }
local function failure(reason, request)
	return setmetatable({ type = "cancel", condition = reason, text = reason, code = 0,
		context = { request = request } }, failure_mt)
end

local new

-- request fires pre-request (a handler may change url, options and
-- callback, or answer instead by returning a value), starts the request
-- and fires request.
local function request(self, u, ex, callback)
	if callback == nil then
		return promise.new(function(resolve, reject)
			request(self, u, ex, function(body, code, response, req)
				if code == 0 then
					reject(failure(body, response))
				else
					response.request = req
					resolve(response)
				end
			end)
		end)
	end
	local event = { http = self, url = u, options = ex, callback = callback }
	local answer = self.events.fire_event("pre-request", event)
	if answer then
		return answer
	end
	local req, err = core.request(event.url, event.options, event.callback)
	if req then
		req.http = self
		self.events.fire_event("request", { http = self, request = req, url = event.url })
	end
	return req, err
end

function new(options)
	local client = { options = options, events = events.new(), request = request }
	-- new(more) is a client with these options and more over them.
	function client.new(more)
		local merged = {}
		for k, v in pairs(options or {}) do merged[k] = v end
		for k, v in pairs(more or {}) do merged[k] = v end
		return new(merged)
	end
	return client
end

local default = new({ suppress_errors = true })

return {
	request = function(u, ex, callback) return default:request(u, ex, callback) end,
	default = default,
	new = new,
	events = default.events,
	urlencode = core.urlencode,
	urldecode = core.urldecode,
	formencode = core.formencode,
	formdecode = core.formdecode,
	destroy_request = core.destroy_request,
	features = { sni = true },
}
