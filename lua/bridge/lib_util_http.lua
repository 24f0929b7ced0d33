-- moonport's util.http: URL and form encoding, header tokens and path
-- normalisation, with the results Prosody's util.http gives.
local format, byte, char = string.format, string.byte, string.char
local pairs, ipairs, tonumber = pairs, ipairs, tonumber
local concat = table.concat

-- Characters left as they are; everything else becomes %xx (lower-case hex).
local function escape_char(c)
	return format("%%%02x", byte(c))
end

local function urlencode(s)
	if not s then return s end
	return (s:gsub("[^%w.~_-]", escape_char))
end

local function unescape_hex(h)
	return char(tonumber(h, 16))
end

local function urldecode(s)
	if not s then return s end
	return (s:gsub("%%(%x%x)", unescape_hex))
end

local function form_part(s)
	if not s then return s end
	return (urlencode(s):gsub("%%20", "+"))
end

-- formencode takes an array of { name =, value = } (kept in order) or a
-- map of name to value.
local function formencode(form)
	local out = {}
	if form[1] ~= nil then
		for _, field in ipairs(form) do
			out[#out + 1] = form_part(field.name) .. "=" .. form_part(field.value)
		end
	else
		for name, value in pairs(form) do
			out[#out + 1] = form_part(name) .. "=" .. form_part(value)
		end
	end
	return concat(out, "&")
end

-- formdecode gives both an array of { name, value } and name -> value;
-- a string without "=" is only URL-decoded.
local function formdecode(s)
	if not s:find("=", 1, true) then return urldecode(s) end
	local out = {}
	for k, v in s:gmatch("([^=&]*)=([^&]*)") do
		k = urldecode((k:gsub("%+", "%%20")))
		v = urldecode((v:gsub("%+", "%%20")))
		out[#out + 1] = { name = k, value = v }
		out[k] = v
	end
	return out
end

-- contains_token: is token one of the comma-separated items of a header
-- field (case-insensitive, blanks ignored)?
local function contains_token(field, token)
	local items = "," .. field:gsub("[ \t]", ""):lower() .. ","
	return items:find("," .. token:lower() .. ",", 1, true) ~= nil
end

-- normalize_path: a leading "/", and a final one only for a directory.
local function normalize_path(path, is_dir)
	local last = path:sub(-1)
	if is_dir and last ~= "/" then
		path = path .. "/"
	elseif not is_dir and last == "/" then
		path = path:sub(1, -2)
	end
	if path:sub(1, 1) ~= "/" then path = "/" .. path end
	return path
end

return {
	urlencode = urlencode, urldecode = urldecode,
	formencode = formencode, formdecode = formdecode,
	contains_token = contains_token,
	normalize_path = normalize_path,
}
