package bridge

import "testing"

var utilHTTPSnippets = map[string]string{
	"encode": `
local http = require "util.http"
print(http.urlencode("a b&c=d/é~_.-x"), http.urlencode(nil))
print(http.urldecode("a%20b%26c%3Dd%2F%c3%A9%zz%4"), http.urldecode(nil))
print(http.formencode({ { name = "a b", value = "1+2" }, { name = "c", value = "ü&" } }))
print(http.formencode({ only = "one value" }))
`,
	"decode": `
local http = require "util.http"
local f = http.formdecode("a+b=1%2B2&c=%C3%BC%26&empty=&c=again")
print(#f, f[1].name, f[1].value, f[2].value, f.c, f.empty, f["a b"])
print(http.formdecode("no+equals%21"))
`,
	"tokens": `
local http = require "util.http"
print(http.contains_token("keep-alive, Upgrade", "upgrade"), http.contains_token("gzip,\tdeflate", "DEFLATE"))
print(http.contains_token("gzip", "zip"), http.contains_token("", "x"))
print(http.normalize_path("a/b/"), http.normalize_path("/a/b", true), http.normalize_path("/"), http.normalize_path("", true))
print(http.normalize_path("/x/", false), http.normalize_path("x", true))
`,
}

// util.http against Prosody's: encodings, forms (ordered and by name),
// header tokens, paths.
func TestUtilHTTP(t *testing.T) {
	sameAsProsody(t, utilHTTPSnippets, map[string]string{
		"tokens": "true\ttrue\nfalse\tfalse\n/a/b\t/a/b/\t/\t/\n/x\t/x/\n",
	})
}
