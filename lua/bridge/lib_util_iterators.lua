-- moonport's util.iterators: functions over Lua's generic-for triples
-- (f, s, var) and tables, as Prosody's util.iterators has them.
local next, select, type, setmetatable = next, select, type, setmetatable
local unpack = unpack or table.unpack
local insert, sort = table.insert, table.sort

local function pack(...) return { n = select("#", ...), ... } end

local it = {}

function it.keys(t) return function(tt, k) return (next(tt, k)) end, t end

function it.values(t)
	local k, v
	return function(tt)
		k, v = next(tt, k)
		return v
	end, t
end

function it.select(n, f, s, var)
	return function(st)
		local r = pack(f(st, var))
		var = r[1]
		return r[n]
	end, s, var
end

function it.unique(f, s, var)
	local seen = {}
	return function()
		while true do
			local r = pack(f(s, var))
			var = r[1]
			if var == nil then return end
			if not seen[var] then
				seen[var] = true
				return unpack(r, 1, r.n)
			end
		end
	end
end

function it.count(f, s, var)
	local n = 0
	while true do
		var = f(s, var)
		if var == nil then return n end
		n = n + 1
	end
end

function it.head(n, f, s, var)
	local taken = 0
	return function(st, v)
		if taken >= n then return nil end
		taken = taken + 1
		return f(st, v)
	end, s, var
end

function it.skip(n, f, s, var)
	for _ = 1, n do var = f(s, var) end
	return f, s, var
end

-- tail keeps the last n results in a ring and hands them out in order.
function it.tail(n, f, s, var)
	local ring, total = {}, 0
	while true do
		local r = pack(f(s, var))
		var = r[1]
		if var == nil then break end
		ring[total % n + 1] = r
		total = total + 1
	end
	if n > total then n = total end -- fewer than n: all of them, the ring full
	local i = 0
	return function()
		i = i + 1
		if i > n then return nil end
		local r = ring[(total - 1 + i) % n + 1]
		return unpack(r, 1, r.n)
	end
end

function it.reverse(f, s, var)
	local all = {}
	while true do
		local r = { f(s, var) }
		var = r[1]
		if var == nil then break end
		insert(all, 1, r)
	end
	local i = 0
	return function(rs)
		if i < #all then
			i = i + 1
			return unpack(rs[i])
		end
	end, all
end

function it.filter(keep, f, s, var)
	if type(keep) ~= "function" then
		local unwanted = keep
		keep = function(x) return x ~= unwanted end
	end
	return function(st, v)
		local r
		repeat
			r = pack(f(st, v))
			v = r[1]
		until v == nil or keep(unpack(r, 1, r.n))
		return unpack(r, 1, r.n)
	end, s, var
end

function it.ripairs(t)
	return function(tt, i) if i > 1 then return i - 1, tt[i - 1] end end, t, #t + 1
end

function it.range(a, b)
	if not b then b = a; a = 1 end -- not a, b = 1, a: gopher-lua assigns a first
	return function(last, i) if i < last then return i + 1 end end, b, a - 1
end

function it.to_array(f, s, var)
	local out = {}
	while true do
		var = f(s, var)
		if var == nil then return out end
		out[#out + 1] = var
	end
end

function it.sorted_pairs(t, less)
	local ks = it.to_array(it.keys(t))
	if less then sort(ks, less) else sort(ks) end -- gopher-lua's sort refuses a nil comparator
	local i = 0
	return function()
		i = i + 1
		local k = ks[i]
		if k ~= nil then return k, t[k] end
	end
end

function it.to_table(f, s, var)
	local out, v2 = {}, nil
	while true do
		var, v2 = f(s, var)
		if var == nil then return out end
		out[var] = v2
	end
end

-- join chains iterators: the state is { list, index } and the iterator
-- moves to the next triple when one runs out.
local function join_step(state, v)
	local list, idx = state[1], state[2]
	local f, s, var = list[idx][1], list[idx][2], list[idx][3]
	if v ~= nil then var = v end
	local r = pack(f(s, var))
	if r[1] == nil then
		if idx == #list then return end
		state[2] = idx + 1
		return join_step(state)
	end
	return unpack(r, 1, r.n)
end
local join_methods = {}
local join_mt = { __index = join_methods, __call = function(_, s, v) return join_step(s, v) end }
function join_methods:append(f, s, var)
	insert(self, { f, s, var })
	return self, { self, 1 }
end
function join_methods:prepend(f, s, var)
	insert(self, 1, { f, s, var })
	return self, { self, 1 }
end
function it.join(f, s, var) return setmetatable({ { f, s, var } }, join_mt) end

return it
