package bridge

import (
	"net/netip"
	"testing"

	"github.com/moonport/moonport/host/ports"
)

// module:http_url follows Prosody's mod_http: http_external_url first,
// else the https (then http) socket with the module's host, http_paths
// (host over global, $host replaced) and the default path /<app>.
func TestModuleHTTPURL(t *testing.T) {
	cfg := `http_paths = { files = "/static/$host" }
VirtualHost "a.example"
VirtualHost "b.example"
	http_external_url = "https://proxy.example:8443/base"
	http_paths = { up = "/upload/" }
`
	tr := newTestRuntime(t, cfg, map[string]string{"http_up": `function url(...) return module:http_url(...) end`,
		"g": `module:set_global(); function url(...) return module:http_url(...) end`})
	var bindings []ports.Binding
	tr.SetServerInfo(ServerInfo{Version: "t", Listening: func() []ports.Binding { return bindings }})
	a, err := tr.Load("http_up", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.Load("http_up", "b.example")
	if err != nil {
		t.Fatal(err)
	}
	g := tr.load(t, "g")
	check := func(inst *Instance, want string, args ...any) {
		t.Helper()
		if got, err := callGlobal(inst, "url", args...); got != want || err != nil {
			t.Errorf("http_url(%v) on %s = %q %v, want %q", args, inst.Host, got, err, want)
		}
	}
	check(a, "http://disabled.invalid/")
	bindings = []ports.Binding{
		{Service: "http", Address: netip.MustParseAddr("127.0.0.1"), Port: 5280},
		{Service: "https", Address: netip.MustParseAddr("::1"), Port: 443},
	}
	check(a, "https://a.example/up")
	check(a, "https://a.example/static/a.example", "files")
	check(a, "https://a.example/x/y", "other", "/x/y/")
	check(b, "https://proxy.example:8443/base/upload")
	check(g, "https://[::1]/g")
	bindings = bindings[:1]
	check(a, "http://a.example:5280/up")
	check(g, "http://127.0.0.1:5280/g")
}
