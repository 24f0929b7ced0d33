package bridge

import "testing"

// urlShow is a Lua function printing a table's keys and values, sorted.
const urlShow = `local function show(t)
	if type(t) ~= "table" then return tostring(t) end
	local keys = {}
	for k in pairs(t) do keys[#keys + 1] = tostring(k) end
	table.sort(keys)
	local out = {}
	for _, k in ipairs(keys) do
		local v = t[k]; if v == nil then v = t[tonumber(k)] end
		out[#out + 1] = k .. "=" .. tostring(v)
	end
	return "{" .. table.concat(out, " ") .. "}"
end
`

const urlInputs = `local inputs = { "http://example.com/", "https://user:pw@example.com:8443/a/b;p=1?q=2&r#frag",
	"http://[::1]:5280/x", "http://[::1]/x", "//host/path", "/just/a/path?x", "mailto:me@example.com",
	"xmpp:user@example.com", "http://host:", "http://@host", "http://u@h:1:2/", "ftp://a:b:c@h/",
	"http://h#f?q", "http://h?q#f;p", "relative/path", "?only", "#only", ";only", "a:b:c",
	"1http://x", "+x:y", "http://h/%41%zz", "HTTP://H/", "http://h/sp ace", "http://h/a/./b/../c",
	"http://[fe80::1%25eth0]:80/", "http://h:80]/", "file:///etc/passwd" }
`

func TestSocketURLDifferential(t *testing.T) {
	compareWithProsody(t, urlShow+urlInputs+`
local url = require "socket.url"
for _, s in ipairs(inputs) do
	local p = url.parse(s)
	emit(s, show(p), url.build(p))
	emit(url.escape(s), url.unescape(url.escape(s)), url.unescape(s))
	local pp = url.parse_path(p.path)
	emit(show(pp), url.build_path(pp), url.build_path(pp, true))
end
emit(url.parse(""))
emit(url.parse(nil))
emit(show(url.parse("http://h/p", { scheme = "ftp", port = 21, extra = "x" })))
emit(show(url.parse("/p", { scheme = "ftp", host = "d" })))
emit(url.build{ scheme = "http", host = "::1", port = 80, path = "/x" })
emit(url.build{ scheme = "http", host = "h", user = "u", password = "p", userinfo = "ignored", authority = "ignored" })
emit(url.build{ scheme = "http", userinfo = "ui", authority = "auth", path = "/p", params = "x", query = "y", fragment = "z" })
emit(url.build{ path = "a" }, url.build{})
emit(url.build_path{ "a b", "c/d", "e%f", "~!*'()", is_absolute = 1, is_directory = true })
emit(url.build_path{ is_absolute = 1, is_directory = 1 }, url.build_path{})
local bases = { "http://a/b/c/d;p?q", "http://a/b/c/", "http://a", "http://a/b/c/d;p?q#f", "", "rel/x" }
local rels = { "g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
	"g;x?y#s", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../g", "../../../g",
	"../../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g", "./g/.", "g/./h", "g/../h",
	"g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x", "g#s/./x", "g#s/../x", "a//b/../c", "x/../../y" }
for _, b in ipairs(bases) do
	for _, r in ipairs(rels) do emit(b, r, url.absolute(b, r)) end
end
emit(url.absolute({ scheme = "http", host = "h", path = "/a/b" }, "c"))
emit(url.absolute("", ""), url.absolute("http://h/x", ""))
`)
}

func TestSocketURL(t *testing.T) {
	got := runSnippet(t, urlShow+`
local url = require "socket.url"
local p = url.parse("https://u:pw@[::1]:8443/a%20b/c?q=1#f")
emit(show(p))
emit(url.build(p), url.escape("a b/ü"), url.unescape("a%20b%2F"))
local path = url.parse_path("/x/y z/")
path[#path + 1] = "f?"
path.is_directory = false
emit(url.build_path(path), url.absolute("http://h/a/b/c", "../d/./e"))
`)
	want := "{authority=u:pw@[::1]:8443 fragment=f host=::1 password=pw path=/a%20b/c port=8443 query=q=1 scheme=https user=u userinfo=u:pw}\n" +
		"https://u:pw@[::1]:8443/a%20b/c?q=1#f\ta%20b%2f%c3%bc\ta b/\n" +
		"/x/y%20z/f%3F\thttp://h/a/d/e"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
