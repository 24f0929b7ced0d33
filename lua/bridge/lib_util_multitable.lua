-- util.multitable: a tree of tables addressed by a path of keys, as
-- Prosody's. In remove and search a nil (or false) key on the path stands
-- for every key at that depth. The tree is the object's data field.

local unpack = table.unpack or unpack

-- get follows the keys; nil where the path ends early.
local function get(self, ...)
	local node = self.data
	for i = 1, select("#", ...) do
		node = node[(select(i, ...))]
		if not node then
			return node
		end
	end
	return node
end

-- walk returns the table at the path given by the first n keys, making
-- the tables that are missing.
local function walk(self, n, ...)
	local node = self.data
	for i = 1, n do
		local key = select(i, ...)
		local child = node[key]
		if not child then
			child = {}
			node[key] = child
		end
		node = child
	end
	return node
end

-- add(k1, …, kn, v) appends v to the list at k1…kn.
local function add(self, ...)
	local n = select("#", ...)
	local list = walk(self, n - 1, ...)
	list[#list + 1] = (select(n, ...))
end

-- set(k1, …, kn, v) sets the value at k1…kn.
local function set(self, ...)
	local n = select("#", ...)
	walk(self, n - 2, ...)[(select(n - 1, ...))] = (select(n, ...))
end

-- prune removes the entry at keys[depth..last] under node (a nil key:
-- every key at that depth), and the tables left empty on the way.
local function prune(node, depth, last, keys)
	if node == nil then
		return
	end
	local key = keys[depth]
	if depth == last then
		node[key] = nil
		return
	end
	local children = {}
	if key then
		children[1] = key
	else
		for k in pairs(node) do
			children[#children + 1] = k
		end
	end
	for _, k in ipairs(children) do
		local child = node[k]
		if child then
			prune(child, depth + 1, last, keys)
			if next(child) == nil then
				node[k] = nil
			end
		end
	end
end

local function remove(self, ...)
	prune(self.data, 1, select("#", ...), { ... })
end

-- collect appends to results what the keys from depth on select under node:
-- the value at the last key, or every value where it is nil.
local function collect(node, depth, last, results, ...)
	if node == nil then
		return
	end
	local key = select(depth, ...)
	if depth == last then
		if key == nil then
			for _, v in pairs(node) do
				results[#results + 1] = v
			end
		elseif node[key] ~= nil then
			results[#results + 1] = node[key]
		end
		return
	end
	if key then
		if node[key] then
			collect(node[key], depth + 1, last, results, ...)
		end
	else
		for _, child in pairs(node) do
			collect(child, depth + 1, last, results, ...)
		end
	end
end

local function search(self, ...)
	local results = {}
	collect(self.data, 1, select("#", ...), results, ...)
	return results
end

local function search_add(self, results, ...)
	results = results or {}
	collect(self.data, 1, select("#", ...), results, ...)
	return results
end

-- iter(self, k1, …, kn) iterates over the entries at depth n whose path
-- matches (a nil key matches all), giving the n keys and the value.
local function iter(self, ...)
	local query, depth = { ... }, select("#", ...)
	local results = {}
	local path = {}
	local function descend(node, level)
		for k, v in pairs(node) do
			local want = query[level]
			if want == nil or want == k then
				path[level] = k
				if level == depth then
					local row = { unpack(path, 1, depth) }
					row[depth + 1] = v
					results[#results + 1] = row
				elseif type(v) == "table" then
					descend(v, level + 1)
				end
			end
		end
	end
	if depth > 0 then
		descend(self.data, 1)
	end
	local i = 0
	return function()
		i = i + 1
		local row = results[i]
		if row then
			return unpack(row, 1, depth + 1)
		end
	end, self
end

local function new()
	return { data = {}, get = get, add = add, set = set, remove = remove, search = search,
		search_add = search_add, iter = iter }
end

return { new = new, iter = iter }
