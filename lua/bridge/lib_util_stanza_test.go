package bridge

import (
	"strings"
	"testing"
)

// stanzaSetup defines canon(s), a stanza's serialisation with each
// element's attributes sorted (Prosody writes them in pairs order, which
// differs between Lua versions), and try(f, ...), f's results or its error
// without the position.
const stanzaSetup = `
local st = require "util.stanza"
local function canon(s)
	return (tostring(s):gsub("<([^%s/>]+)([^>]-)(/?)>", function(name, attrs, close)
		local list = {}
		for a in attrs:gmatch("%s[^=]+='[^']*'") do list[#list + 1] = a end
		table.sort(list)
		return "<" .. name .. table.concat(list) .. close .. ">"
	end))
end
local function try(f, ...)
	local ok, err = pcall(f, ...)
	if ok then return "ok" end
	return (tostring(err):gsub("^.-:%d+: ", ""))
end
`

var stanzaSnippets = map[string]string{
	"build": stanzaSetup + `
local s = st.stanza("message", { to = "a@b", type = "chat" }, { x = "urn:x" })
	:tag("body"):text("hi <there> & 'you'"):up()
	:tag("x", { xmlns = "urn:x" }):tag("y"):text("deep"):up():text("tail"):up()
	:text_tag("subject", "s", { lang = "en" })
	:tag("query", { xmlns = "jabber:client" }):up()
print(canon(s))
print(s:at_top(), s:tag("open"):at_top(), canon(s:reset():tag("top")), s:at_top())
print(#s, #s.tags, s.name, s.namespaces.x, st.is_stanza(s), st.is_stanza({}), st.is_stanza("x"))
print(canon(st.stanza("a", { xmlns = "ns" }):tag("b", { xmlns = "ns" }):tag("c", { xmlns = "other" }):tag("d", { xmlns = "ns" })))
print(canon(st.stanza("e", { ["urn:ns\1attr"] = "v<" })), tostring(st.stanza("empty")), tostring(st.stanza("t"):text("")))
local q = st.stanza("iq"):query("jabber:iq:version"):body("b", { n = "1" })
print(canon(q), canon(st.stanza("c"):add_child(st.stanza("d")):add_child(st.stanza("e"))))
local direct = st.stanza("p"); direct:tag("q"); direct:add_direct_child(st.stanza("r")); direct:add_direct_child("t")
print(canon(direct), st.xml_escape([[<a href="x">'&'</a>]]))
`,
	"constructors": stanzaSetup + `
print(canon(st.message({ to = "x" }, "body text")), canon(st.message()), canon(st.presence({ type = "unavailable" })))
print(canon(st.iq({ id = "1", type = "get" })), try(st.iq), try(st.iq, { type = "get" }), try(st.iq, { id = "1" }))
local iq = st.iq({ id = "7", type = "get", from = "a@b/c", to = "b" })
print(canon(st.reply(iq)), canon(st.reply(st.message({ from = "f", type = "chat" }))), try(st.reply, "x"))
print(canon(st.error_reply(iq, "cancel", "item-not-found", "no such thing", "b")))
print(canon(st.error_reply(iq, "modify", "bad-request", nil, "elsewhere")))
print(canon(st.error_reply(iq, { type = "cancel", condition = "gone", text = "moved", extra = { uri = "xmpp:new" }, context = { by = "svc" } })))
print(canon(st.error_reply(iq, { type = "wait", condition = "policy-violation", extra = { namespace = "urn:app", condition = "too-fast" } })))
print(canon(st.error_reply(iq, { type = "auth", condition = "forbidden", extra = { tag = st.stanza("app", { xmlns = "urn:app" }) } })))
print(try(st.error_reply, st.iq({ id = "1", type = "error" })), try(st.error_reply, {}))
`,
	"navigate": stanzaSetup + `
local s = st.stanza("iq", { xmlns = "jabber:client", type = "result" })
	:tag("query", { xmlns = "jabber:iq:roster" })
		:tag("item", { jid = "a" }):text_tag("group", "G1"):up()
		:tag("item", { jid = "b" }):up()
		:tag("other", { xmlns = "urn:o" }):text("otext"):up()
	:up():tag("query"):text("client ns"):up()
	:text_tag("note", "n")
print(s:get_child("query") and canon(s:get_child("query")), canon(s:get_child("query", "jabber:iq:roster")))
print(s:get_child_text("query"), s:get_child_text("note"), s:get_child_text("missing"), s:get_child("query", "jabber:iq:roster"):get_text())
print(canon(s:child_with_name("query")), canon(s:child_with_ns("jabber:iq:roster")), s:child_with_name("x"), s:child_with_ns("x"))
local roster = s:get_child("query", "jabber:iq:roster")
for item in roster:childtags("item") do print("item", item.attr.jid) end
for item in roster:childtags(nil, "urn:o") do print("ns", item.name) end
for item in roster:childtags() do print("any", item.name) end
for child in s:children() do print("child", type(child) == "string" and child or child.name) end
print(canon(roster:get_child_with_attr("item", nil, "jid", "b")), roster:get_child_with_attr("item", nil, "jid", "B"))
print(canon(roster:get_child_with_attr("item", nil, "jid", "B", string.upper)))
print(s:find("{jabber:iq:roster}query/item@jid"), s:find("{jabber:iq:roster}query/item/group#"), s:find("note#"), s:find("@type"))
print(canon(s:find("{jabber:iq:roster}query/{urn:o}other")), s:find("nothing/deeper"), s:find("query#"))
`,
	"map and remove": stanzaSetup + `
local s = st.stanza("r"):tag("a"):up():text("t1"):tag("b"):up():tag("a", { xmlns = "x" }):up():text("t2"):tag("c"):up()
s:maptags(function(tag) if tag.name == "b" then return nil end; if tag.name == "c" then return st.stanza("C") end; return tag end)
print(canon(s), #s, #s.tags)
s:remove_children("a")
print(canon(s), #s.tags)
s:remove_children("a", "x")
print(canon(s), #s.tags)
s:remove_children()
print(canon(s), #s.tags, s:get_text())
print(st.stanza("t"):text("a"):text("b"):get_text(), st.stanza("t"):tag("x"):get_text(), st.stanza("e"):get_text())
`,
	"errors read": stanzaSetup + `
local iq = st.iq({ id = "1", type = "get" })
print(st.error_reply(iq, "cancel", "item-not-found", "gone away"):get_error())
local e = st.error_reply(iq, "wait", "resource-constraint")
e:get_child("error"):tag("app", { xmlns = "urn:app" })
local t, c, txt, extra = e:get_error()
print(t, c, txt, extra and extra.name)
print(st.stanza("iq"):get_error())
print(st.stanza("message"):tag("error", { type = "modify" }):up():get_error())
`,
	"clone and serialize": stanzaSetup + `
local s = st.stanza("m", { id = "1" }, { p = "urn:p" }):tag("b", { xmlns = "urn:b" }):text("x"):up():text("y")
local c = st.clone(s)
c.attr.id = "2"; c.tags[1].attr.xmlns = "urn:c"; c.namespaces.p = "changed"
print(canon(s), canon(c), s.namespaces.p, st.is_stanza(c), #c.tags, c.tags[1] == c[1])
print(canon(st.clone(s, true)), s:top_tag(), st.stanza("x"):top_tag(), try(st.clone, "s"))
local p = st.preserialize(s)
print(getmetatable(p) == nil, p.name, p.attr.id, p[1].name, p[1][1], p[2], p.tags)
local d = st.deserialize(p)
print(canon(d), st.is_stanza(d), #d.tags, st.deserialize(nil))
print(canon(st.deserialize({ name = "x", attr = { ["urn:ns|a"] = "1", [1] = "skip" }, "t", { name = "y", attr = {} }, 5 })))
print(canon(s:indent()), canon(st.stanza("a"):tag("b"):text_tag("c", "  "):tag("d"):text("dd"):up():up():indent(1, "  ")))
`,
	"pretty": stanzaSetup + `
local s = st.stanza("iq", { type = "get" }):tag("q", { xmlns = "urn:q" }):text("a&amp;b"):up()
print(s:pretty_print() == st.pretty_print(tostring(s)), s:pretty_top_tag() == st.pretty_print(s:top_tag()))
print((s:pretty_print():gsub("\27", "ESC")))
print((s:pretty_top_tag():gsub("\27", "ESC")))
`,
	"validation": stanzaSetup + `
print(try(st.stanza), try(st.stanza, ""), try(st.stanza, "a b"), try(st.stanza, "a\2"), try(st.stanza, "a\255"))
print(try(st.stanza, "x", "attrs"), try(st.stanza, "x", { [1] = "v" }), try(st.stanza, "x", { a = 1 }), try(st.stanza, "x", { a = true }))
print(try(st.stanza, "x", { ["a<"] = "v" }), try(st.stanza, "x", { ["ns\1a"] = "v" }), try(st.stanza, "x", { a = "\1" }), try(st.stanza, "x", { a = "\25ok" }))
print(try(st.stanza, "x", { a = "\192" }), try(st.stanza, "x", { a = "tab\tnl\ncr\r" }), try(st.stanza, "é"))
local s = st.stanza("x")
print(try(s.text, s, 5), try(s.text, s, "\0"), try(s.text, s, nil), try(s.tag, s, 7), try(s.add_child, s, {}), #s)
`,
}

func TestUtilStanzaDifferential(t *testing.T) {
	sameAsProsody(t, stanzaSnippets, map[string]string{
		"validation": "invalid tag name: expected string, got nil\tinvalid tag name: empty string\t" +
			"invalid tag name: contains invalid characters\tinvalid tag name: contains control characters\t" +
			"invalid tag name: contains invalid utf8\n" +
			"invalid attributes: expected table, got string\tinvalid attribute name: expected string, got number\t" +
			"invalid attribute value: expected string, got number\tinvalid attribute value: expected string, got boolean\n" +
			"invalid attribute name: contains invalid characters\tok\tinvalid attribute value: contains control characters\tok\n" +
			"invalid attribute value: contains invalid utf8\tok\tok\n" +
			"invalid text value: expected string, got number\tinvalid text value: contains control characters\tok\t" +
			"invalid tag name: expected string, got number\tinvalid text value: expected string, got table\t0\n",
	})
}

// moonport writes attributes in one order, xmlns first and the rest
// sorted, where Prosody's order is whatever pairs gives.
func TestUtilStanzaAttributeOrder(t *testing.T) {
	got := moonportPrints(t, `
local st = require "util.stanza"
print(st.stanza("iq", { type = "get", to = "b", xmlns = "jabber:client", id = "1", from = "a" }))
print(st.reply(st.iq({ id = "x&y", type = "set", to = "t", from = "f" })))`)
	want := "<iq xmlns='jabber:client' from='a' id='1' to='b' type='get'/>\n<iq from='t' id='x&amp;y' to='f' type='result'/>\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A refused name or value is reported at the module's own line, not
// inside the library.
func TestUtilStanzaErrorsNameTheCaller(t *testing.T) {
	got := moonportPrints(t, `
local st = require "util.stanza"
local ok, err = pcall(function()
	return st.stanza("x"):tag("y"):tag("bad name")
end)
print(err)`)
	if !strings.Contains(got, "snippet") || !strings.Contains(got, "invalid tag name: contains invalid characters") ||
		strings.Contains(got, "util.stanza") {
		t.Errorf("error: %s", got)
	}
}
