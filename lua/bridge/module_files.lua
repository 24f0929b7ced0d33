-- A read-only file handle over a string, for module:load_resource: the
-- parts of io.open's handles that modules use to read (read with "*a",
-- "*l", "*L", "*n" or a byte count, lines, seek, close).
local data = ...
local pos, closed = 1, false
local f = {}

local function check()
	if closed then error("attempt to use a closed file", 3) end
end

local function read_one(fmt)
	if type(fmt) == "number" then
		if pos > #data and fmt > 0 then return nil end
		local s = data:sub(pos, pos + fmt - 1)
		pos = pos + #s
		return s
	end
	fmt = tostring(fmt):gsub("^%*", ""):sub(1, 1)
	if fmt == "a" then
		local s = data:sub(pos)
		pos = #data + 1
		return s
	elseif fmt == "l" or fmt == "L" then
		if pos > #data then return nil end
		local nl = data:find("\n", pos, true)
		local line = data:sub(pos, nl or #data)
		pos = (nl or #data) + 1
		if fmt == "l" then line = line:gsub("\n$", "") end
		return line
	elseif fmt == "n" then
		local s, e = data:find("^%s*[-+]?%d*%.?%d+[eE]?[-+]?%d*", pos)
		if not s then return nil end
		pos = e + 1
		return tonumber(data:sub(s, e))
	end
	error("bad argument to 'read' (invalid format)", 3)
end

function f:read(...)
	check()
	local n = select("#", ...)
	if n == 0 then return read_one("l") end
	local out = {}
	for i = 1, n do
		out[i] = read_one((select(i, ...)))
		if out[i] == nil then return unpack(out, 1, i) end
	end
	return unpack(out, 1, n)
end

function f:lines()
	check()
	return function() return read_one("l") end
end

function f:seek(whence, offset)
	check()
	local base = ({ set = 0, cur = pos - 1, ["end"] = #data })[whence or "cur"]
	if not base then error("bad argument to 'seek' (invalid option)", 2) end
	pos = math.max(0, math.min(#data, base + (offset or 0))) + 1
	return pos - 1
end

function f:close()
	check()
	closed = true
	return true
end

return setmetatable(f, { __tostring = function() return closed and "file (closed)" or "file (resource)" end })
