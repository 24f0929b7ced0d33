-- moonport's util.helpers, with the semantics of Prosody 0.12's: debug
-- logging of a util.events object's events and handlers, and a listing
-- of its handlers.
local type, tostring, pairs, ipairs, pcall, error, format = type, tostring, pairs, ipairs, pcall, error, string.format
local insert, sort, concat = table.insert, table.sort, table.concat
local getupvalue = debug and debug.getupvalue
local default_log = require "util.logger".init("util.debug")

-- log_events makes events log each firing and each handler called (and
-- its result or error) through logger, named name; revert_log_events
-- undoes it. The original fire_event is kept under events[new one].
local function log_events(events, name, logger)
	local fire = events.fire_event
	if not fire then error("Object does not appear to be a util.events object", 2) end
	logger, name = logger or default_log, name or tostring(events)
	function events.fire_event(event, ...)
		logger("debug", "%s firing event: %s", name, event)
		return fire(event, ...)
	end
	events.set_debug_hook(function(handler, event, data)
		logger("debug", "calling handler for %s: %s", event, handler)
		local ok, ret = pcall(handler, data)
		if not ok then
			logger("error", "error in event handler %s: %s", handler, ret)
			error(ret, 0)
		end
		if ret ~= nil then logger("debug", "event chain ended for %s by %s with result: %s", event, handler, ret) end
		return ret
	end)
	events[events.fire_event] = fire
	return events
end

local function revert_log_events(events)
	events.fire_event, events[events.fire_event] = events[events.fire_event], nil
	events.set_debug_hook(nil)
end

-- host_events is the events object of a host of the prosody global.
local function host_events(host)
	local hosts = type(prosody) == "table" and prosody.hosts
	local h = hosts and hosts[host]
	if not h or not h.events then error("no events for host " .. tostring(host), 3) end
	return h.events
end

local function log_host_events(host) return log_events(host_events(host), host) end
local function revert_log_host_events(host) return revert_log_events(host_events(host)) end

-- censored are upvalue names whose string values show as <hidden>.
local censored = { password = true, passwd = true, pass = true, pwd = true }

-- upvalues describes f's upvalues as "{ name = value, … }", nil for none.
local function upvalues(f)
	if not getupvalue then return nil end
	local parts, i = {}, 1
	while true do
		local n, v = getupvalue(f, i)
		if not n then break end
		if n == "" then n = format("[%d]", i) end
		if n:sub(1, 1) ~= "(" then
			if type(v) ~= "string" then
				v = tostring(v)
			elseif censored[n:match("%a+$")] then
				v = "<hidden>"
			else
				v = format("%q", v)
			end
			parts[#parts + 1] = n .. " = " .. v
		end
		i = i + 1
	end
	if #parts == 0 then return nil end
	return "{ " .. concat(parts, ", ") .. " }"
end

-- show_events lists events' handlers (of specific_event alone, if given):
-- each event name, sorted, then its handlers in calling order, with
-- their priorities and upvalues.
local function show_events(events, specific_event)
	local names, lines = {}, {}
	for event, priorities in pairs(events._event_map) do
		local handlers = events._handlers[event]
		if handlers and (not specific_event or event == specific_event) then
			names[#names + 1] = event
			local list = {}
			for i, h in ipairs(handlers) do
				local up = upvalues(h)
				list[i] = "  " .. tostring(priorities[h] or "?") .. ": " .. tostring(h) .. (up and ("\n        " .. up) or "")
			end
			lines[event] = list
		end
	end
	sort(names)
	local out = {}
	for i, event in ipairs(names) do
		insert(out, i > 1 and "\n" .. event or event)
		for _, line in ipairs(lines[event]) do insert(out, line) end
	end
	return concat(out, "\n")
end

local function get_upvalue(f, wanted)
	local i = 0
	while true do
		i = i + 1
		local n, v = getupvalue(f, i)
		if n == wanted or n == nil then return v end
	end
end

return {
	log_events = log_events,
	revert_log_events = revert_log_events,
	log_host_events = log_host_events,
	revert_log_host_events = revert_log_host_events,
	show_events = show_events,
	get_upvalue = get_upvalue,
}
