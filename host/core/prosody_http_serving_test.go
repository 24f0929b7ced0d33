package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// servingModule is an HTTP app for Prosody's mod_http, on a host.
const servingModule = `
module:depends("http")
module:provides("http", { route = { ["GET /"] = function() return "hi" end } })
`

// TestProsodyHTTPServingLine: Prosody's mod_http asks core.portmanager
// for the active HTTP services as each app is added, which in moonport
// happens while the modules load, before anything is bound. It must hear
// of the listener the host is about to open, so it logs Prosody's
// "Serving 'app' at <url>" with that listener's port, not "Not listening
// on any ports".
//
// A reload that brings the HTTP service in is the same: its listener
// opens after the modules load.
func TestProsodyHTTPServingLine(t *testing.T) {
	needProsodyModule(t, "http")
	port := freePort(t)
	th := startHost(t, servingConfig(port, "serving"), map[string]string{"serving": servingModule, "again": servingModule})
	checkServing(t, th, "serving", port)

	old := freePort(t)
	th2 := startHost(t, servingConfig(old, ""), map[string]string{"again": servingModule})
	file := filepath.Join(th2.dir, "prosody.cfg.lua")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	port = freePort(t)
	b = []byte(strings.Replace(string(b), servingConfig(old, ""), servingConfig(port, "again"), 1))
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := th2.Reload("test"); err != nil {
		t.Fatal(err)
	}
	checkServing(t, th2, "again", port)
}

// servingConfig enables module (if any) on a host, HTTP on port.
func servingConfig(port int, module string) string {
	enabled := ""
	if module != "" {
		enabled = fmt.Sprintf("%q", module)
	}
	return fmt.Sprintf(`plugin_paths = { %q }
interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { }
VirtualHost "example.test"
modules_enabled = { %s }
`, prosodyModules, port, enabled)
}

// checkServing waits for mod_http's line about app and checks the URL
// names port and no app was said to be unreachable.
func checkServing(t *testing.T, th *testHost, app string, port int) {
	t.Helper()
	line := th.waitLog(t, "Serving '"+app+"' at ")
	if want := fmt.Sprintf("Serving '%s' at http://example.test:%d/%s", app, port, app); !strings.Contains(line, want) {
		t.Errorf("mod_http logged\n%s\nwant %q", line, want)
	}
	b, _ := os.ReadFile(th.logFile)
	if strings.Contains(string(b), "Not listening on any ports") {
		t.Errorf("mod_http found no listener:\n%s", b)
	}
}
