package bridge

import "testing"

// errorSetup defines show(e), an error object's fields in a fixed order
// (instance_id is random: only its length shows), besides stanzaSetup's
// canon.
const errorSetup = stanzaSetup + `
local errors = require "util.error"
local function show(e)
	if not errors.is_error(e) then return "not an error: " .. tostring(e) end
	local extra = e.extra and (tostring(e.extra.namespace) .. "/" .. tostring(e.extra.condition) .. "/" .. tostring(e.extra.uri)
		.. "/" .. tostring(e.extra.tag and e.extra.tag.name)) or "-"
	local ctx = {}
	for _, k in ipairs({ "wrapped_error", "by", "where" }) do
		local v = e.context[k]
		if v ~= nil then ctx[#ctx + 1] = k .. "=" .. (type(v) == "table" and "a table" or tostring(v)) end
	end
	return table.concat({ tostring(e), tostring(e.code), extra, table.concat(ctx, ","), tostring(e.source), #e.instance_id }, " ")
end
`

var errorSnippets = map[string]string{
	"new": errorSetup + `
print(show(errors.new({ type = "auth", condition = "forbidden", text = "no", code = 403, extra = { namespace = "urn:x", condition = "y" } })))
print(show(errors.new("plain string")), show(errors.new()), show(errors.new(42, { where = "here" })))
local reg = { nope = { type = "modify", condition = "bad-request", text = "bad", code = 400 } }
print(show(errors.new("nope", { where = "ctx" }, reg, "mod_x")), show(errors.new("other", nil, reg, "mod_x")))
local e = errors.new({ condition = "item-not-found" })
print(errors.new(e) == e, errors.is_error(e), errors.is_err(e), errors.is_error({}), errors.is_error("x"), tostring(getmetatable(e).__name))
print(errors.new("a").instance_id ~= errors.new("a").instance_id)
`,
	"init": errorSetup + `
local compact = errors.init("mod_c", "urn:app", {
	limit = { "wait", "policy-violation", "Too fast", "rate" },
	plain = { "cancel", "not-allowed" },
})
print(compact.source, show(compact.new("limit")), show(compact.new("plain", { where = "w" })), show(compact.new("unknown")))
local full = errors.init("mod_f", { missing = { type = "cancel", condition = "item-not-found", code = 404 } })
print(full.source, show(full.new("missing")), show(full.wrap("missing")), show(full.wrap("boom")), show(full.wrap({})))
local e = full.new("missing")
print(full.wrap(e) == e, full.is_error(e))
print(full.coerce(1, 2, 3))
local ok, err = full.coerce(nil, "missing")
print(ok, show(err))
print(compact.registry.limit.text, compact.registry.plain.extra)
local ns_less = errors.init("mod_n", { x = { "modify", "bad-request", "t", "app" } })
print(show(ns_less.new("x")))
`,
	"coerce": errorSetup + `
print(errors.coerce(true, "a", "b"))
print(errors.coerce("value", nil))
local ok, e, rest = errors.coerce(nil, "failed", "more")
print(ok, show(e), rest)
local ok2, e2 = errors.coerce(false, { code = 1 })
print(ok2, tostring(e2), type(e2.context.wrapped_error))
local real = errors.new({ condition = "conflict" })
local _, same = errors.coerce(nil, real)
print(same == real)
`,
	"from_stanza": errorSetup + `
local iq = st.iq({ id = "1", type = "get", from = "a@b", to = "c" })
local r = st.error_reply(iq, "cancel", "gone", "moved away", "svc")
r:get_child("error"):get_child("gone", "urn:ietf:params:xml:ns:xmpp-stanzas"):text("xmpp:new@place")
print(show(errors.from_stanza(r, nil, "mod_s")))
local plain = st.error_reply(iq, "auth", "forbidden")
plain:get_child("error"):tag("app", { xmlns = "urn:app" })
local e = errors.from_stanza(plain, { where = "w" })
print(show(e), e.context.stanza == plain)
print(show(errors.from_stanza(st.stanza("iq", { from = "f" }):tag("error"):up())))
print(canon(st.error_reply(iq, errors.new({ type = "modify", condition = "bad-request", text = "why" }, { by = "me" }))))
`,
}

func TestUtilErrorDifferential(t *testing.T) {
	sameAsProsody(t, errorSnippets, nil)
}

// With auto_inject_traceback, a new error carries where it was made.
func TestUtilErrorTraceback(t *testing.T) {
	got := moonportPrints(t, `
local errors = require "util.error"
print(errors.new("x").context.traceback)
errors.configure({ auto_inject_traceback = true })
print(errors.new("x").context.traceback:match("mod_snippet.lua:%d+") ~= nil)
errors.configure({})
print(errors.new("x").context.traceback ~= nil)
errors.configure({ auto_inject_traceback = false })
print(errors.new("x").context.traceback)`)
	if got != "nil\ntrue\ntrue\nnil\n" {
		t.Errorf("got %q", got)
	}
}
