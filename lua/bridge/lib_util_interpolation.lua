-- moonport's util.interpolation: new(pattern, escape, funcs) makes a
-- render(template, values) that replaces each block the pattern matches
-- ("{...}" with its two delimiters) by what the block asks for:
--   {name}  escaped value      {name!}  value as is
--   {a.b}   values.a.b         {name|f|g}  value through funcs f then g
--   {name?tpl}  tpl when the value is false or nil, else the value
--   {name&tpl}  tpl when it is truthy      {name~tpl}  tpl when it is not
--   {name#tpl}  tpl for each ipairs item   {name%tpl}  for each pairs item
--               (tpl sees idx and item besides the outer values)
local type, tostring, pairs, ipairs, setmetatable = type, tostring, pairs, ipairs, setmetatable
local sub, gsub, match, concat = string.sub, string.gsub, string.match, table.concat

local head = "^([%a_][%w_.]*)(!?)(%p?)()"

-- lookup finds name in values, or else walks its dotted path.
local function lookup(values, name)
	local value = values[name]
	if value or not name:find(".", 2, true) then return value end
	value = values
	for part in name:gmatch("[^.]+") do
		value = value[part]
		if not value then return value end
	end
	return value
end

local function new(pattern, escape, funcs)
	local render

	-- each renders the sub-template once per item of a table value.
	local function each(value, iterate, tpl, values)
		if type(value) ~= "table" then return "" end
		local out = {}
		local scope = setmetatable({}, { __index = values })
		for idx, item in iterate(value) do
			scope.idx, scope.item = idx, item
			out[#out + 1] = render(tpl, scope)
		end
		return concat(out)
	end

	local function expand(block, values)
		block = sub(block, 2, -2)
		local name, raw, op, rest = match(block, head)
		if not name then return nil end
		local value = lookup(values, name)
		while funcs and op == "|" do
			local fname
			fname, raw, op, rest = match(block, head, rest)
			local f = funcs[fname]
			if f and value ~= nil then value = f(value) end
		end
		if op == "#" then return each(value, ipairs, sub(block, rest), values) end
		if op == "%" then return each(value, pairs, sub(block, rest), values) end
		if op == "&" then
			if value then return render(sub(block, rest), values) end
			return ""
		end
		if op == "~" then
			if value then return "" end
			return render(sub(block, rest), values)
		end
		if op == "?" and not value then return render(sub(block, rest), values) end
		if value == nil then return nil end
		if type(value) ~= "string" then value = tostring(value) end
		if raw == "!" then return value end
		return escape(value)
	end

	render = function(template, values)
		return (gsub(template, pattern, function(block) return (expand(block, values)) end))
	end
	return render
end

return { new = new }
