-- moonport's util.array: a list with methods, as Prosody's util.array
-- behaves. Each transforming method exists twice: array.f(a, ...) builds a
-- new array from a, a:f(...) changes a itself.
local setmetatable, getmetatable, type, tostring, ipairs = setmetatable, getmetatable, type, tostring, ipairs
local insert, remove, sort, concat = table.insert, table.remove, table.sort, table.concat
local rand, floor = math.random, math.floor

local array, methods, transforms = {}, {}, {}
local mt = { __index = methods, __name = "array" }

local function collect(f, s, var)
	local out, n = {}, 0
	while true do
		var = f(s, var)
		if var == nil then break end
		n = n + 1
		out[n] = var
	end
	return setmetatable(out, mt)
end
array.collect = collect

local function make(t, s, var)
	if type(t) == "function" then return collect(t, s, var) end
	return setmetatable(t or {}, mt)
end
setmetatable(array, { __call = function(_, t, s, var) return make(t, s, var) end })

mt.__tostring = function(a) return "{" .. a:concat(", ") .. "}" end
mt.__freeze = function(a) return a end
mt.__add = function(a, b) return make():append(a):append(b) end
mt.__eq = function(a, b)
	if getmetatable(a) ~= mt or getmetatable(b) ~= mt or #a ~= #b then return false end
	for i = 1, #a do
		if a[i] ~= b[i] then return false end
	end
	return true
end
mt.__div = function(a, f)
	local out, n = make(), 0
	for i = 1, #a do
		local v = f(a[i])
		if v ~= nil then n = n + 1; out[n] = v end
	end
	return out
end

function methods:random() return self[rand(1, #self)] end
function methods:random_other(skip)
	local n = #self
	return self[(rand(1, n - 1) + skip - 1) % n + 1]
end
function methods:shuffle()
	local n = #self
	for i = 1, n do
		local j = rand(i, n)
		self[i], self[j] = self[j], self[i]
	end
	return self
end
function methods:append(other)
	local n = #self
	for i = 1, #other do self[n + i] = other[i] end
	return self
end
function methods:push(v) insert(self, v); return self end
methods.pop = remove
function methods:concat(sep) return concat(array.map(self, tostring), sep) end
function methods:length() return #self end

-- Transforms write into dst from src; dst and src are the same table for
-- the method form.
function transforms.map(dst, src, f)
	for i, v in ipairs(src) do dst[i] = f(v) end
	return dst
end
function transforms.filter(dst, src, keep)
	local n, w = #src, 0
	for r = 1, n do
		local v = src[r]
		if keep(v) then w = w + 1; dst[w] = v end
	end
	if dst == src then
		for i = w + 1, n do dst[i] = nil end
	end
	return dst
end
function transforms.slice(dst, src, i, j)
	local n = #src
	j = j or -1
	if j < 0 then j = n + j + 1 end
	if i < 0 then i = n + i + 1 end
	if i < 1 then i = 1 end
	if j > n then j = n end
	if i > j then
		for k = 1, #dst do dst[k] = nil end
		return dst
	end
	for k = 1, j - i + 1 do dst[k] = src[i + k - 1] end
	if dst == src then
		for k = j - i + 2, #dst do dst[k] = nil end
	end
	return dst
end
function transforms.sort(dst, src, less)
	if dst ~= src then dst:append(src) end
	if less then sort(dst, less) else sort(dst) end -- gopher-lua's sort refuses a nil comparator
	return dst
end
function transforms.unique(dst, src)
	local seen = {}
	return transforms.filter(dst, src, function(v)
		if seen[v] then return false end
		seen[v] = true
		return true
	end)
end
function transforms.pluck(dst, src, key, default)
	for i = 1, #src do
		local v = src[i][key]
		if v == nil then v = default end
		dst[i] = v
	end
	return dst
end
function transforms.reverse(dst, src)
	local n = #src
	if dst == src then
		for i = 1, floor(n / 2) do
			dst[i], dst[n + 1 - i] = dst[n + 1 - i], dst[i]
		end
	else
		for i = 1, n do dst[i] = src[n + 1 - i] end
	end
	return dst
end

for name, f in pairs(transforms) do
	array[name] = function(a, ...) return f(make(), a, ...) end
	methods[name] = function(self, ...) return f(self, self, ...) end
end

return array
