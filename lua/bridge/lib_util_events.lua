-- moonport's util.events: handlers per event name, called from the highest
-- priority down until one returns something other than nil, with wrappers
-- around the whole call as Prosody's util.events has them.
local pairs, next, setmetatable = pairs, next, setmetatable
local insert, remove, sort = table.insert, table.remove, table.sort

-- with_wrappers makes an events object's fire_event, add_wrapper and
-- remove_wrapper around its call_handlers(event, data).
local function with_wrappers(call_handlers)
	local wrappers, global_wrappers = {}, nil

	-- fire_event runs the event's own wrappers (last added outermost), then
	-- the global ones, then the handlers.
	local function fire_event(event, data)
		local chain = wrappers[event] or global_wrappers
		if not chain then return call_handlers(event, data) end
		local at = #chain
		local function inner(e, d)
			at = at - 1
			if at > 0 then return chain[at](inner, e, d) end
			if global_wrappers and chain ~= global_wrappers then
				chain, at = global_wrappers, #global_wrappers
				return chain[at](inner, e, d)
			end
			return call_handlers(e, d)
		end
		return chain[at](inner, event, data)
	end

	local function add_wrapper(event, wrapper)
		local chain
		if event == false then
			global_wrappers = global_wrappers or {}
			chain = global_wrappers
		else
			chain = wrappers[event]
			if not chain then chain = {}; wrappers[event] = chain end
		end
		chain[#chain + 1] = wrapper
	end
	local function remove_wrapper(event, wrapper)
		local chain
		if event == false then chain = global_wrappers else chain = wrappers[event] end
		if not chain then return end
		for i = #chain, 1, -1 do
			if chain[i] == wrapper then remove(chain, i) end
		end
		if #chain == 0 then
			if event == false then global_wrappers = nil else wrappers[event] = nil end
		end
	end

	return fire_event, add_wrapper, remove_wrapper
end

local function new()
	local priorities = {} -- event -> { handler -> priority }
	local ordered = {}    -- event -> handlers, highest priority first; built when asked
	local hook = nil

	setmetatable(ordered, { __index = function(self, event)
		local p = priorities[event]
		if not p or next(p) == nil then return nil end
		local list = {}
		for h in pairs(p) do list[#list + 1] = h end
		sort(list, function(a, b) return p[a] > p[b] end)
		self[event] = list
		return list
	end })

	local function add_handler(event, handler, priority)
		local p = priorities[event]
		if not p then p = {}; priorities[event] = p end
		p[handler] = priority or 0
		ordered[event] = nil
	end
	local function remove_handler(event, handler)
		local p = priorities[event]
		if not p then return end
		p[handler] = nil
		ordered[event] = nil
		if next(p) == nil then priorities[event] = nil end
	end
	local function add_handlers(t) for e, h in pairs(t) do add_handler(e, h) end end
	local function remove_handlers(t) for e, h in pairs(t) do remove_handler(e, h) end end
	local function get_handlers(event) return ordered[event] end

	local function call_handlers(event, data)
		local list = ordered[event]
		if not list then return end
		for i = 1, #list do
			local r
			if hook then r = hook(list[i], event, data) else r = list[i](data) end
			if r ~= nil then return r end
		end
	end

	local fire_event, add_wrapper, remove_wrapper = with_wrappers(call_handlers)
	local function set_debug_hook(h)
		local old = hook
		hook = h
		return old
	end

	return {
		add_handler = add_handler, remove_handler = remove_handler,
		add_handlers = add_handlers, remove_handlers = remove_handlers,
		get_handlers = get_handlers, fire_event = fire_event,
		add_wrapper = add_wrapper, remove_wrapper = remove_wrapper,
		wrappers = { add_handler = add_wrapper, remove_handler = remove_wrapper },
		set_debug_hook = set_debug_hook,
		_handlers = ordered, _event_map = priorities,
	}
end

return { new = new }
