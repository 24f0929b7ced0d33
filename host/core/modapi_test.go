package core

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// countedModule counts its requests with module:measure and answers
// with what the prosody global and module:http_url say.
const countedModule = `
local hits = module:measure("hits", "rate")
local sizes = module:metric("histogram", "size", "bytes", "Body sizes.", { "path" }, { buckets = { 10, 100 } })
module:provides("http", {
	default_path = "/c";
	route = {
		["GET /"] = function(event)
			hits()
			sizes:with_labels(event.request.path):sample(42)
			return table.concat({ module:http_url(), prosody.version, type(prosody.start_time), tostring(hosts["*"]), at_load }, " ")
		end;
	};
});
at_load = module:http_url();`

// Through a running server: a module's metrics appear on /metrics under
// Prosody's names, and module:http_url and prosody describe the server.
func TestModuleMetricsOnMetricsPage(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	plain := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "counted" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { }
http_metrics = true
`, shipped, plain), map[string]string{"counted": countedModule})
	base := fmt.Sprintf("http://127.0.0.1:%d", plain)
	// The URL is the same when the module asks as it loads (before the
	// sockets open) as when it serves.
	want := fmt.Sprintf("http://127.0.0.1:%d/counted 0.12 (moonport %s) number nil http://127.0.0.1:%d/counted", plain, Version, plain)
	for i := 0; i < 2; i++ {
		if got := curl(t, base+"/c/"); got != want {
			t.Errorf("answer %q, want %q", got, want)
		}
	}
	body := curl(t, base+"/metrics")
	for _, line := range []string{
		"# TYPE prosody_mod_counted__hits counter\n",
		"prosody_mod_counted__hits_total 2\n",
		"prosody_mod_counted__size_bytes_bucket{path=\"/c/\",le=\"100\"} 2\n",
	} {
		if !strings.Contains(body, line) {
			t.Errorf("/metrics lacks %q:\n%s", line, body)
		}
	}
}

// A status a module sets with module:log_status shows in the console's
// module:info.
func TestModuleStatusInConsole(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	console := freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "admin_telnet", "statused" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
console_ports = { %d }
console_password = "hunter2hunter2"
`, shipped, console), map[string]string{"statused": `module:log_status("warn", "no certificate for %s", "x.example")`})
	s := openConsole(t, console, "hunter2hunter2")
	s.ok(`module:info("statused")`, "statused on *", "status       warn: no certificate for x.example")
	s.ok(`module:info("admin_telnet")`)
}
