-- moonport's util.error, with the semantics of Prosody 0.12's: an error
-- object is a table with a metatable, carrying a stanza-error style type
-- and condition, text, code, extra, a context table and its source. A
-- registry maps short names to templates, either as tables or compact
-- { type, condition, text, app-condition } lists.
local setmetatable, getmetatable, pairs, next, type = setmetatable, getmetatable, pairs, next, type
local format = string.format
local traceback = debug and debug.traceback
local short_id = require "util.id".short

local error_mt = { __name = "error" }
function error_mt:__tostring()
	return format("error<%s:%s:%s>", tostring(self.type), tostring(self.condition), tostring(self.text or ""))
end

local function is_error(e) return getmetatable(e) == error_mt end

-- With auto_inject_traceback, new errors carry context.traceback: the
-- stack where they were made, as text (Prosody's util.debug table is not
-- available here).
local inject_traceback = false

local function configure(opt)
	if opt.auto_inject_traceback ~= nil then inject_traceback = opt.auto_inject_traceback end
end

-- new makes an error of e: a registry name, a template table, anything
-- else for an undefined-condition; an error object is returned as it is.
local function new(e, context, registry, source)
	if is_error(e) then return e end
	local template = registry and registry[e]
	if not template then template = type(e) == "table" and e or {} end
	context = context or {}
	if inject_traceback and traceback then context.traceback = traceback("error created", 2) end
	return setmetatable({
		instance_id = short_id(),
		type = template.type or "cancel",
		condition = template.condition or "undefined-condition",
		text = template.text,
		code = template.code,
		extra = template.extra,
		context = context,
		source = source,
	}, error_mt)
end

-- expand turns a compact registry ({ name = { type, condition, text,
-- app_condition } }) into templates; an app condition needs namespace.
local function expand(namespace, registry)
	local out = {}
	for name, t in pairs(registry) do
		local e = { type = t[1], condition = t[2], text = t[3] }
		if namespace and t[4] then e.extra = { namespace = namespace, condition = t[4] } end
		out[name] = e
	end
	return out
end

-- init makes a module's own error maker over a registry: new, wrap (an
-- error object, or an undefined-condition wrapping anything else, keeping
-- it as context.wrapped_error), coerce and is_error.
local function init(source, namespace, registry)
	if type(namespace) == "table" then registry, namespace = namespace, nil end
	local _, first = next(registry)
	if first and type(next(first)) == "number" then registry = expand(namespace, registry) end
	local function wrap(e, context)
		if is_error(e) then return e end
		local err = new(registry[e] or { type = "cancel", condition = "undefined-condition" }, context, registry, source)
		err.context.wrapped_error = e
		return err
	end
	return {
		source = source,
		registry = registry,
		new = function(e, context) return new(e, context, registry, source) end,
		coerce = function(ok, err, ...)
			if ok then return ok, err, ... end
			return nil, wrap(err)
		end,
		wrap = wrap,
		is_error = is_error,
	}
end

-- coerce passes (ok, err, ...) on, an err that is not an error object
-- wrapped in one when ok is false or nil.
local function coerce(ok, err, ...)
	if ok or is_error(err) then return ok, err, ... end
	return ok, new({ type = "cancel", condition = "undefined-condition" }, { wrapped_error = err }), ...
end

-- from_stanza makes an error of an error stanza: its type, condition,
-- text, an application element or a gone/redirect URI, by whom.
local function from_stanza(stanza, context, source)
	local error_type, condition, text, extra_tag = stanza:get_error()
	local error_tag = stanza:get_child("error")
	context = context or {}
	context.stanza = stanza
	context.by = error_tag.attr.by or stanza.attr.from
	local uri
	if condition == "gone" or condition == "redirect" then
		uri = error_tag:get_child_text(condition, "urn:ietf:params:xml:ns:xmpp-stanzas")
	end
	local extra
	if extra_tag or uri then extra = { uri = uri, tag = extra_tag } end
	return new({
		type = error_type or "cancel",
		condition = condition or "undefined-condition",
		text = text,
		extra = extra,
	}, context, nil, source)
end

return {
	new = new,
	init = init,
	coerce = coerce,
	is_error = is_error,
	is_err = is_error,
	from_stanza = from_stanza,
	configure = configure,
}
