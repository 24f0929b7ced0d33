-- moonport's util.stanza, with the semantics of Prosody 0.12's: a stanza
-- is a table { name, attr, namespaces, tags } whose array part holds its
-- children in order (strings for text, stanzas for elements) and whose
-- tags holds the element children alone. Builders keep a path of open
-- elements in last_add. No routing: this builds, inspects and serialises.
-- Lookups that find nothing return an explicit nil, as Prosody's do.
local setmetatable, getmetatable, pairs, ipairs = setmetatable, getmetatable, pairs, ipairs
local type, tostring, error = type, tostring, error
local insert, remove, concat, sort = table.insert, table.remove, table.concat, table.sort
local find, match, gsub, sub, rep, format = string.find, string.match, string.gsub, string.sub, string.rep, string.format
local getinfo = debug and debug.getinfo
local utf8_valid = require "util.encodings".utf8.valid

local NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

local stanza_mt = { __name = "stanza" }
stanza_mt.__index = stanza_mt

-- fail raises msg at the first caller outside this library, so a module
-- sees its own file and line (built here: gopher-lua's error levels do
-- not count frames as debug.getinfo does); without debug, plainly.
local function fail(msg)
	if not getinfo then error(msg, 0) end
	local own, level = getinfo(1, "S").source, 2
	local info = getinfo(level, "Sl")
	while info and (info.source == own or info.currentline < 0) do
		level = level + 1
		info = getinfo(level, "Sl")
	end
	if info then msg = gsub(info.source, "^[=@]", "") .. ":" .. info.currentline .. ": " .. msg end
	error(msg, 0)
end

-- Control characters are refused in names and text as Prosody does: the
-- bytes 0-8, 11, 12 and 14-19 (decimal; 20-31 pass, as in Prosody). An
-- attribute name may hold \1, the separator of a namespaced name.
local bad_text, bad_attr_name = "[^\9\10\13\20-\255]", "[^\1\9\10\13\20-\255]"

local function check_name(name, kind)
	local t = type(name)
	if t ~= "string" then
		fail("invalid " .. kind .. " name: expected string, got " .. t)
	elseif name == "" then
		fail("invalid " .. kind .. " name: empty string")
	elseif find(name, "[<>& '\"]") then
		fail("invalid " .. kind .. " name: contains invalid characters")
	elseif find(name, kind == "attribute" and bad_attr_name or bad_text) then
		fail("invalid " .. kind .. " name: contains control characters")
	elseif not utf8_valid(name) then
		fail("invalid " .. kind .. " name: contains invalid utf8")
	end
end

local function check_text(text, kind)
	local t = type(text)
	if t ~= "string" then
		fail("invalid " .. kind .. " value: expected string, got " .. t)
	elseif find(text, bad_text) then
		fail("invalid " .. kind .. " value: contains control characters")
	elseif not utf8_valid(text) then
		fail("invalid " .. kind .. " value: contains invalid utf8")
	end
end

local function check_attr(attr)
	if attr == nil then return end
	if type(attr) ~= "table" then fail("invalid attributes: expected table, got " .. type(attr)) end
	for k, v in pairs(attr) do
		check_name(k, "attribute")
		check_text(v, "attribute")
	end
end

local function new_stanza(name, attr, namespaces)
	check_name(name, "tag")
	check_attr(attr)
	return setmetatable({ name = name, attr = attr or {}, namespaces = namespaces, tags = {} }, stanza_mt)
end

local function is_stanza(s) return getmetatable(s) == stanza_mt end

-- current is the element the builder adds to: the innermost open one.
local function current(s)
	local path = s.last_add
	return path and path[#path] or s
end

function stanza_mt:add_direct_child(child)
	if is_stanza(child) then
		self.tags[#self.tags + 1] = child
	else
		check_text(child, "text")
	end
	self[#self + 1] = child
end

function stanza_mt:add_child(child)
	current(self):add_direct_child(child)
	return self
end

function stanza_mt:tag(name, attr, namespaces)
	local child = new_stanza(name, attr, namespaces)
	current(self):add_direct_child(child)
	local path = self.last_add
	if not path then path = {}; self.last_add = path end
	path[#path + 1] = child
	return self
end

function stanza_mt:text(text)
	if text ~= nil and text ~= "" then current(self):add_direct_child(text) end
	return self
end

function stanza_mt:up()
	if self.last_add then remove(self.last_add) end
	return self
end

function stanza_mt:reset()
	self.last_add = nil
	return self
end

function stanza_mt:at_top() return self.last_add == nil or #self.last_add == 0 end

function stanza_mt:text_tag(name, text, attr, namespaces)
	return self:tag(name, attr, namespaces):text(text):up()
end

function stanza_mt:query(xmlns) return self:tag("query", { xmlns = xmlns }) end

function stanza_mt:body(text, attr) return self:text_tag("body", text, attr) end

-- matches says whether child is name (any when nil) in xmlns, where no
-- xmlns means the parent's own namespace or none.
local function matches(parent, child, name, xmlns)
	if name and child.name ~= name then return false end
	local ns = child.attr.xmlns
	return ns == xmlns or not xmlns and ns == parent.attr.xmlns
end

function stanza_mt:get_child(name, xmlns)
	for _, child in ipairs(self.tags) do
		if matches(self, child, name, xmlns) then return child end
	end
	return nil
end

function stanza_mt:get_child_text(name, xmlns)
	local child = self:get_child(name, xmlns)
	if child then return child:get_text() end
	return nil
end

function stanza_mt:child_with_name(name)
	for _, child in ipairs(self.tags) do
		if child.name == name then return child end
	end
	return nil
end

function stanza_mt:child_with_ns(ns)
	for _, child in ipairs(self.tags) do
		if child.attr.xmlns == ns then return child end
	end
	return nil
end

function stanza_mt:childtags(name, xmlns)
	local tags, i = self.tags, 0
	local n = #tags
	return function()
		while i < n do
			i = i + 1
			local child = tags[i]
			if matches(self, child, name, xmlns) then return child end
		end
	end
end

function stanza_mt:get_child_with_attr(name, xmlns, attr_name, attr_value, normalize)
	for child in self:childtags(name, xmlns) do
		local v = child.attr[attr_name]
		if (normalize and normalize(v) or v) == attr_value then return child end
	end
	return nil
end

function stanza_mt:children()
	local i = 0
	return function(s)
		i = i + 1
		return s[i]
	end, self, i
end

-- maptags replaces each element child by callback(child), or removes it
-- when that is nil; text children stay where they are.
function stanza_mt:maptags(callback)
	local kept, tags = {}, {}
	for _, child in ipairs(self) do
		if is_stanza(child) or type(child) == "table" and child.name then
			child = callback(child)
			if child ~= nil then tags[#tags + 1] = child end
		end
		if child ~= nil then kept[#kept + 1] = child end
	end
	for i = #self, 1, -1 do self[i] = nil end
	for i, child in ipairs(kept) do self[i] = child end
	self.tags = tags
	return self
end

function stanza_mt:remove_children(name, xmlns)
	xmlns = xmlns or self.attr.xmlns
	return self:maptags(function(child)
		if (not name or child.name == name) and child.attr.xmlns == xmlns then return nil end
		return child
	end)
end

-- find walks a path: "{ns}name/name#" ends with a child's text, "…@attr"
-- with an attribute, anything else with the child element.
function stanza_mt:find(path)
	local pos, stop = 1, #path + 1
	local s = self
	repeat
		if sub(path, pos, pos) == "@" then return s.attr[sub(path, pos + 1)] end
		local xmlns
		if sub(path, pos, pos) == "{" then xmlns, pos = match(path, "^([^}]+)}()", pos + 1) end
		local name, mark
		name, mark, pos = match(path, "^([^@/#]*)([/#]?)()", pos)
		if name == "" then name = nil end
		if pos == stop then
			if mark == "#" then return s:get_child_text(name, xmlns) end
			return s:get_child(name, xmlns)
		end
		s = s:get_child(name, xmlns)
	until not s
end

function stanza_mt:get_text()
	if #self.tags == 0 then return concat(self) end
	return nil
end

-- get_error reads an error stanza: type, condition (undefined-condition
-- when none), text and the first element outside the stanzas namespace.
function stanza_mt:get_error()
	local err = self:get_child("error")
	if not err then return nil, nil, nil, nil end
	local condition, text, extra
	for _, child in ipairs(err.tags) do
		if child.attr.xmlns ~= NS_STANZAS then
			extra = child
		elseif child.name == "text" and not text then
			text = child:get_text()
		elseif not condition then
			condition = child.name
		end
		if condition and text and extra then break end
	end
	return err.attr.type, condition or "undefined-condition", text, extra
end

local function copy(t)
	if not t then return nil end
	local out = {}
	for k, v in pairs(t) do out[k] = v end
	return out
end

local function do_clone(s, only_top)
	local new = setmetatable({ name = s.name, attr = copy(s.attr), namespaces = copy(s.namespaces), tags = {} }, stanza_mt)
	if only_top then return new end
	for i = 1, #s do
		local child = s[i]
		if child.name then
			child = do_clone(child)
			new.tags[#new.tags + 1] = child
		end
		new[i] = child
	end
	return new
end

local function clone(s, only_top)
	if not is_stanza(s) then fail("bad argument to clone: expected stanza, got " .. type(s)) end
	return do_clone(s, only_top)
end

local escapes = { ["'"] = "&apos;", ['"'] = "&quot;", ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;" }
local function xml_escape(s) return (gsub(s, "['&<>\"]", escapes)) end

-- attr_names lists an element's attribute names in a fixed order: xmlns
-- first, then sorted (Prosody writes them in pairs order, which varies).
local function attr_names(attr)
	local names = {}
	for k in pairs(attr) do
		if k ~= "xmlns" then names[#names + 1] = k end
	end
	sort(names, function(a, b) return tostring(a) < tostring(b) end)
	if attr.xmlns ~= nil then insert(names, 1, "xmlns") end
	return names
end

-- serialize writes s into buf; parent_ns is the namespace in scope, so a
-- child in its parent's namespace does not repeat it. A namespaced
-- attribute ("ns\1name") gets a prefix declared on the element.
local function serialize(s, buf, parent_ns)
	local attr, prefixes = s.attr, 0
	buf[#buf + 1] = "<" .. s.name
	for _, k in ipairs(attr_names(attr)) do
		local v = attr[k]
		if find(k, "\1", 1, true) then
			local ns, local_name = match(k, "^([^\1]*)\1?(.*)$")
			prefixes = prefixes + 1
			buf[#buf + 1] = format(" xmlns:ns%d='%s' ns%d:%s='%s'", prefixes, xml_escape(ns), prefixes, local_name, xml_escape(v))
		elseif k ~= "xmlns" or v ~= parent_ns then
			buf[#buf + 1] = " " .. k .. "='" .. xml_escape(v) .. "'"
		end
	end
	if #s == 0 then
		buf[#buf + 1] = "/>"
		return
	end
	buf[#buf + 1] = ">"
	for _, child in ipairs(s) do
		if child.name then serialize(child, buf, attr.xmlns) else buf[#buf + 1] = xml_escape(child) end
	end
	buf[#buf + 1] = "</" .. s.name .. ">"
end

function stanza_mt.__tostring(s)
	local buf = {}
	serialize(s, buf, nil)
	return concat(buf)
end

function stanza_mt:top_tag()
	return sub(tostring(do_clone(self, true)), 1, -3) .. ">"
end

-- pretty colours serialised XML for a 256-colour terminal, as Prosody's
-- does: brackets, names, attributes, values and entities each their own.
local function style(code, s) return "\27[38;5;" .. code .. "m" .. s .. "\27[0m" end
local function colour_attrs(name, eq, q1, value, q2)
	return style(150, name) .. style(71, eq) .. style(202, q1) .. style(208, value) .. style(202, q2)
end
local function colour_entity(amp, name, semi) return style(71, amp) .. style(150, name) .. style(71, semi) end

local function pretty(s)
	return (gsub(s, "(<[?/]?)([^ >/?]*)(.-)([?/]?>)([^<]*)", function(open, name, attrs, close, content)
		local a = gsub(attrs, "([^=]+)(=)([\"'])(.-)([\"'])", colour_attrs)
		local c = gsub(content, "(&#?)(%w+)(;)", colour_entity)
		return style(24, open) .. style(45, name) .. a .. style(24, close) .. c
	end, 100))
end

function stanza_mt:pretty_print() return pretty(tostring(self)) end
function stanza_mt:pretty_top_tag() return pretty(self:top_tag()) end

-- indent returns a copy laid out with newlines and level copies of
-- indent before each child; text-only and empty elements stay as they are.
function stanza_mt:indent(level, indent)
	if #self == 0 or (#self == 1 and type(self[1]) == "string") then return self end
	indent, level = indent or "\t", level or 1
	local out = do_clone(self, true)
	for _, child in ipairs(self) do
		if type(child) == "string" then
			if find(child, "%S") then
				out:text("\n" .. rep(indent, level))
				out:text(child)
			end
		elseif is_stanza(child) then
			out:text("\n" .. rep(indent, level))
			out:add_direct_child(child:indent(level + 1, indent))
		end
	end
	out:text("\n" .. rep(indent, level - 1))
	return out
end

-- preserialize makes a plain table (name, attr, children) of a stanza,
-- for storage; deserialize makes a stanza of one again, turning the
-- "ns|name" attribute names of older stores into "ns\1name".
local function preserialize(s)
	local out = { name = s.name, attr = s.attr }
	for _, child in ipairs(s) do
		out[#out + 1] = type(child) == "table" and preserialize(child) or child
	end
	return out
end
stanza_mt.__freeze = preserialize

local function deserialize(t)
	if not t then return end
	local attr = {}
	for k, v in pairs(t.attr) do
		if type(k) == "string" then
			if find(k, "|", 1, true) and not find(k, "\1", 1, true) then
				local ns, name = match(k, "^([^|]+)|(.+)$")
				k = ns .. "\1" .. name
			end
			attr[k] = v
		end
	end
	local s = new_stanza(t.name, attr)
	for _, child in ipairs(t) do
		local kind = type(child)
		if kind == "table" then
			s:add_direct_child(deserialize(child))
		elseif kind == "string" then
			s:add_direct_child(child)
		end
	end
	return s
end

local function message(attr, body)
	local s = new_stanza("message", attr)
	if body then s:text_tag("body", body) end
	return s
end

local function iq(attr)
	if not attr then fail("iq stanzas require id and type attributes") end
	if not attr.id then fail("iq stanzas require an id attribute") end
	if not attr.type then fail("iq stanzas require a type attribute") end
	return new_stanza("iq", attr)
end

local function presence(attr) return new_stanza("presence", attr) end

local function reply(orig)
	if not is_stanza(orig) then fail("bad argument to reply: expected stanza, got " .. type(orig)) end
	local a = orig.attr
	return new_stanza(orig.name, { to = a.from, from = a.to, id = a.id, type = orig.name == "iq" and "result" or a.type })
end

-- error_reply answers orig with an error: (type, condition, text, by), or
-- a util.error-like table { type, condition, text, context.by, extra }
-- whose extra may add a gone URI, an application element or condition.
local function error_reply(orig, error_type, condition, text, by)
	if not is_stanza(orig) then
		fail("bad argument to error_reply: expected stanza, got " .. type(orig))
	elseif orig.attr.type == "error" then
		fail("bad argument to error_reply: got stanza of type error which must not be replied to")
	end
	local r = reply(orig)
	r.attr.type = "error"
	local extra
	if type(error_type) == "table" then
		local e = error_type
		if type(e.extra) == "table" then extra = e.extra end
		if type(e.context) == "table" and type(e.context.by) == "string" then by = e.context.by end
		error_type, condition, text = e.type, e.condition, e.text
	end
	if by == r.attr.from then by = nil end
	r:tag("error", { type = error_type, by = by }):tag(condition, { xmlns = NS_STANZAS })
	if extra and condition == "gone" and type(extra.uri) == "string" then r:text(extra.uri) end
	r:up()
	if text then r:text_tag("text", text, { xmlns = NS_STANZAS }) end
	if extra and is_stanza(extra.tag) then
		r:add_child(extra.tag)
	elseif extra and extra.namespace and extra.condition then
		r:tag(extra.condition, { xmlns = extra.namespace }):up()
	end
	return r
end

return {
	stanza_mt = stanza_mt,
	stanza = new_stanza,
	is_stanza = is_stanza,
	preserialize = preserialize,
	deserialize = deserialize,
	clone = clone,
	message = message,
	iq = iq,
	reply = reply,
	error_reply = error_reply,
	presence = presence,
	xml_escape = xml_escape,
	pretty_print = pretty,
}
