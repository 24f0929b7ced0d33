package core

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProsodyOpenMetrics runs Prosody's mod_http_openmetrics with
// statistics = "internal": GET /metrics answers 200 with Prosody's content
// type and an OpenMetrics body of moonport's metrics, ending # EOF.
func TestProsodyOpenMetrics(t *testing.T) {
	needProsodyModule(t, "http_openmetrics")
	port, echo := freePort(t), freePort(t)
	startOpenMetrics(t, `statistics = "internal"`, port, echo)
	c := dial(t, echo)
	c.Send("ping\n")
	c.Expect("ping")
	checkMetrics(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port), prosodyMetrics(t, `statistics = "internal"`, 200), echo)
}

// TestProsodyOpenMetricsNoProvider: without a statistics option Prosody
// has no provider and mod_http_openmetrics answers 404 with its message;
// so does moonport, whose own /metrics is another matter.
func TestProsodyOpenMetricsNoProvider(t *testing.T) {
	needProsodyModule(t, "http_openmetrics")
	port := freePort(t)
	startOpenMetrics(t, "", port, freePort(t))
	want := prosodyMetrics(t, "", 404)
	status, ctype, body := getMetrics(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if status != 404 || body != "No statistics provider configured\n" || ctype != want {
		t.Errorf("moonport answered %d %q %q; Prosody 404 %q %q", status, ctype, body, want, "No statistics provider configured\n")
	}
}

// startOpenMetrics runs Prosody's mod_http and mod_http_openmetrics with
// extra config, HTTP on port and the example echo service on echo.
func startOpenMetrics(t *testing.T, extra string, port, echo int) {
	t.Helper()
	examples, _ := filepath.Abs("../../examples/modules")
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "http_openmetrics", "echo" }
interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { }
echo_ports = { %d }
%s
`, examples, prosodyModules, port, echo, extra), nil)
	th.waitLog(t, "loaded from "+prosodyModules+"/mod_http_openmetrics.lua")
}

// getMetrics asks for url: the status, the content type and the body.
func getMetrics(t *testing.T, url string) (int, string, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// checkMetrics asks for url and checks it gets status 200, the content
// type Prosody's mod_http_openmetrics sends (ctype) and an OpenMetrics
// body of moonport's metrics, with the one connection open to the echo
// service on port echo.
func checkMetrics(t *testing.T, url, ctype string, echo int) {
	t.Helper()
	status, got, text := getMetrics(t, url)
	if status != 200 || got != ctype {
		t.Errorf("status %d, content type %q; want 200 and %q", status, got, ctype)
	}
	for _, want := range []string{"# TYPE moonport_connections_open gauge\n",
		fmt.Sprintf(`moonport_connections_open{service="echo",listener="echo",address="127.0.0.1:%d"} 1`, echo)} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if !strings.HasSuffix(text, "\n# EOF\n") {
		t.Errorf("the body does not end with # EOF:\n%s", text)
	}
}

// prosodyMetrics runs mod_http_openmetrics in a real Prosody with extra
// config and returns the content type of its answer, checking it has
// status want and, for 200, an OpenMetrics body.
func prosodyMetrics(t *testing.T, extra string, want int) string {
	t.Helper()
	ref := freePort(t)
	startProsody(t, fmt.Sprintf(`interfaces = { "127.0.0.1" }
modules_enabled = { "http_openmetrics" }
modules_disabled = { "c2s", "s2s", "offline" }
%s
http_interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { }
VirtualHost "localhost"
`, extra, ref), ref)
	status, ctype, body := getMetrics(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", ref))
	if status != want || want == 200 && (!strings.Contains(body, "# TYPE ") || !strings.HasSuffix(body, "\n# EOF\n")) {
		t.Fatalf("Prosody answered %d, want %d:\n%s", status, want, body)
	}
	return ctype
}

// statsModule serves core.statsmanager's registry as mod_http_openmetrics
// does, with routes moonport has today.
const statsModule = `
local stats = require "core.statsmanager"
module:depends "http"
module:provides("http", { route = { ["GET /metrics"] = function(event)
	event.response.headers.content_type = "application/openmetrics-text; version=0.0.4"
	return stats.get_metric_registry():render()
end } })
`

// TestStatsmanagerOverHTTP: what mod_http_openmetrics does with
// core.statsmanager serves moonport's metrics.
func TestStatsmanagerOverHTTP(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	port, echo := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "stats", "echo" }
interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { }
echo_ports = { %d }
statistics = "internal"
`, shipped, examples, port, echo), map[string]string{"stats": statsModule})
	c := dial(t, echo)
	c.Send("ping\n")
	c.Expect("ping")
	checkMetrics(t, fmt.Sprintf("http://127.0.0.1:%d/stats/metrics", port), "application/openmetrics-text; version=0.0.4", echo)
}
