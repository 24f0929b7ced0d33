package core

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A module of one VirtualHost that loads mod_http with module:depends
// ("http") serves its app through the shipped mod_http, with Prosody's
// route forms: a method alone for the base path, a static table, a
// string.
func TestPerHostHTTPModule(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	port := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = {}
VirtualHost "a.example"
	modules_enabled = { "perhost" }
`, shipped, port), map[string]string{"perhost": `
module:depends("http")
module:provides("http", { route = {
	GET = function(event) return "base of " .. module.host .. " " .. event.request.url.path end;
	["GET /static"] = { status_code = 202, headers = { content_type = "text/plain" }, body = "static" };
	["GET /str"] = "a string";
} })`})
	base := fmt.Sprintf("http://127.0.0.1:%d/perhost", port)
	for _, c := range []struct{ url, want string }{
		{base, "base of a.example /perhost"},
		{base + "/static", "HTTP/1.1 202 Accepted"},
		{base + "/static", "Content-Type: text/plain"},
		{base + "/str", "a string"},
	} {
		if got := curl(t, "-i", c.url); !strings.Contains(got, c.want) {
			t.Errorf("%s: want %q in\n%s", c.url, c.want, got)
		}
	}
}
