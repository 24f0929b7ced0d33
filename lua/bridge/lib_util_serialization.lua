-- moonport's util.serialization, with the semantics of Prosody 0.12's:
-- values as Lua source that deserialize (or Lua's load) reads back.
-- new(opt) makes a serializer: the layout options (indentwith, itemstart,
-- itemsep, itemlast, tstart, tend, kstart, kend, equals), unquoted keys,
-- hex strings, freeze (a metatable's __freeze first), maxdepth, multiref,
-- table_iterator, keywords, and what to do with a value that cannot be
-- written (fatal, fallback); presets "oneline", "compact" and "debug".
local type, next, getmetatable, pcall, error = type, next, getmetatable, pcall, error
local format, gsub, rep, char, match, byte = string.format, string.gsub, string.rep, string.char, string.match, string.byte
local concat = table.concat
local huge = 1 / 0 -- gopher-lua's math.huge is the largest finite number
local loadstring, setfenv = loadstring or load, setfenv

local function fatal_error(v, why)
	error("Can't serialize " .. type(v) .. (why and ": " .. why or ""))
end

local function placeholder(v, why)
	return format("{__type=%q,__error=%q}", type(v), why or "fail")
end

-- escapes: the named escapes, and every other byte as \ddd.
local escapes = {
	["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
	["\t"] = "\\t", ["\v"] = "\\v", ["\\"] = "\\\\", ['"'] = '\\"', ["'"] = "\\'",
}
for i = 0, 255 do
	local c = char(i)
	escapes[c] = escapes[c] or format("\\%03d", i)
end

local function quote(s) return '"' .. gsub(s, "[%z\1-\31\"'\\\127-\255]", escapes) .. '"' end

local function to_hex(s)
	return (gsub(s, ".", function(c) return format("%02x", byte(c)) end))
end

-- number writes integers (up to 2^53, Lua 5.1 has no integer type) as
-- such, the infinities and NaN as expressions, the rest with 18 digits.
local function number(n)
	if n ~= n then return "(0/0)" end
	if n == huge then return "(1/0)" end
	if n == -huge then return "(-1/0)" end
	if n % 1 == 0 and n <= 2 ^ 53 and n >= -2 ^ 53 then return format("%d", n) end
	return format("%.18g", n)
end

local keywords = {}
for w in ("and break do else elseif end false for function goto if in local nil not or repeat return then true until while"):gmatch("%a+") do
	keywords[w] = true
end

local function apply_preset(opt)
	if opt.preset == "debug" then
		opt.preset, opt.freeze, opt.fatal, opt.fallback, opt.unquoted = "oneline", true, false, placeholder, true
	end
	if opt.preset == "oneline" then
		opt.indentwith, opt.itemstart = opt.indentwith or "", opt.itemstart or " "
		opt.itemlast, opt.tend = opt.itemlast or "", opt.tend or " }"
	elseif opt.preset == "compact" then
		opt.indentwith, opt.itemstart, opt.itemlast = opt.indentwith or "", opt.itemstart or "", opt.itemlast or ""
		opt.equals, opt.unquoted = opt.equals or "=", true
	end
end

-- layout reads the options a table's writer needs, with the defaults.
local function layout(opt)
	return {
		indent = opt.indentwith or "\t", itemstart = opt.itemstart or "\n", itemsep = opt.itemsep or ";",
		itemlast = opt.itemlast or ";\n", tstart = opt.tstart or "{", tend = opt.tend or "}",
		kstart = opt.kstart or "[", kend = opt.kend or "]", equals = opt.equals or " = ",
		unquoted = opt.unquoted == true and "^[%a_][%w_]*$" or opt.unquoted,
		keywords = opt.keywords or keywords, freeze = opt.freeze, maxdepth = opt.maxdepth or 127,
		multiref = opt.multiref, iter = opt.table_iterator or function(t) return next, t, nil end,
	}
end

-- frozen gives what to write for t when freeze is on and its metatable
-- has __freeze: a string as it is, or a table with the __name prefix.
local function frozen(t)
	local mt = getmetatable(t)
	if type(mt) ~= "table" or type(mt.__freeze) ~= "function" then return t, nil end
	local f = mt.__freeze(t)
	if type(f) == "string" then return nil, f end
	return f, type(mt.__name) == "string" and mt.__name or nil
end

-- table_writer makes the writer of tables for one serializer: out is the
-- list of pieces, also marking the tables under way (for cycles).
local function table_writer(L, value, fallback)
	local write
	local function key(k, out, d)
		if L.unquoted and type(k) == "string" and not L.keywords[k] and match(k, L.unquoted) then
			out[#out + 1] = k
		else
			out[#out + 1] = L.kstart
			if type(k) == "table" then write(k, out, d + 1) else out[#out + 1] = value(k) end
			out[#out + 1] = L.kend
		end
		out[#out + 1] = L.equals
	end
	write = function(t, out, d)
		if out[t] then out[#out + 1] = fallback(t, "table has multiple references"); return end
		if d > L.maxdepth then out[#out + 1] = fallback(t, "max table depth reached"); return end
		local orig = t
		out[t] = true
		if L.freeze == true then
			local prefix
			t, prefix = frozen(t)
			if not t then out[#out + 1] = prefix; return end
			if prefix then out[#out + 1] = prefix end
		end
		out[#out + 1] = L.tstart
		local indent, nextkey, items = rep(L.indent, d), 1, false
		for k, v in L.iter(t) do
			items = true
			out[#out + 1] = L.itemstart
			out[#out + 1] = indent
			if k == nextkey then nextkey = nextkey + 1 else key(k, out, d) end
			if type(v) == "table" then write(v, out, d + 1) else out[#out + 1] = value(v) end
			out[#out + 1] = L.itemsep
		end
		if items then
			out[#out] = L.itemlast
			out[#out + 1] = rep(L.indent, d - 1)
		end
		out[#out + 1] = L.tend
		if L.multiref then out[t], out[orig] = nil, nil end
	end
	return write
end

local function new(opt)
	if type(opt) ~= "table" then opt = { preset = opt } end
	apply_preset(opt)
	local fallback = opt.fallback or opt.fatal == false and placeholder or fatal_error
	local L = layout(opt)
	local string_writer = quote
	if type(opt.hex) == "string" then
		local prefix = opt.hex
		string_writer = function(s)
			local q = quote(s)
			if #q > #s * 2 + 2 + #prefix then return prefix .. '"' .. to_hex(s) .. '"' end
			return q
		end
	end
	local writers = {
		string = string_writer, number = number,
		boolean = function(b) return b and "true" or "false" end,
		["nil"] = function() return "nil" end,
	}
	local function value(v) return (writers[type(v)] or fallback)(v) end
	local write_table = table_writer(L, value, fallback)
	writers.table = function(t)
		local out = {}
		write_table(t, out, 1)
		return concat(out)
	end
	return value
end

-- deserialize reads serialized data back, with no access to globals: the
-- value, or nil and the error.
local function deserialize(s)
	if type(s) ~= "string" then return nil end
	local f, err = loadstring("return " .. s, "serialized data") -- gopher-lua keeps a leading "="
	if not f then return nil, err end
	if setfenv then setfenv(f, {}) end
	local ok, ret = pcall(f)
	if not ok then return nil, ret end
	return ret
end

local default = new()
return {
	new = new,
	serialize = function(v, opt)
		if opt == nil then return default(v) end
		return new(opt)(v)
	end,
	deserialize = deserialize,
}
