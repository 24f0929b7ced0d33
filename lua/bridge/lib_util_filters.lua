-- moonport's util.filters: per-session chains of filter functions by type
-- (highest priority first), each given the data the one before returned,
-- the chain stopping when one returns nil.
local insert, remove = table.insert, table.remove

-- hooks run on every session initialize sees, in the order added.
local hooks = {}

local function initialize(session)
	local chains = session.filters
	if not chains then
		chains = {}
		session.filters = chains
		session.filter = function(kind, data)
			local chain = chains[kind]
			if not chain then return data end
			for i = 1, #chain do
				data = chain[i](data, session)
				if data == nil then return nil end
			end
			return data
		end
	end
	for i = 1, #hooks do hooks[i](session) end
	return session.filter
end

-- A chain lists its functions in order and maps each to its priority;
-- a new one goes after those of the same or higher priority.
local function add_filter(session, kind, fn, priority)
	if not session.filters then initialize(session) end
	local chain = session.filters[kind]
	if chain == nil then
		chain = {}
		session.filters[kind] = chain
	elseif chain[fn] then
		return
	end
	priority = priority or 0
	local at = 1
	while chain[at] and chain[chain[at]] >= priority do at = at + 1 end
	insert(chain, at, fn)
	chain[fn] = priority
end

local function remove_filter(session, kind, fn)
	local chain = session.filters and session.filters[kind]
	if not (chain and chain[fn]) then return end
	for i = 1, #chain do
		if chain[i] == fn then
			remove(chain, i)
			chain[fn] = nil
			return true
		end
	end
end

local function add_filter_hook(fn) insert(hooks, fn) end

local function remove_filter_hook(fn)
	for i = #hooks, 1, -1 do
		if hooks[i] == fn then remove(hooks, i) end
	end
end

return {
	initialize = initialize,
	add_filter = add_filter,
	remove_filter = remove_filter,
	add_filter_hook = add_filter_hook,
	remove_filter_hook = remove_filter_hook,
}
