package bridge

import (
	"os"
	"strings"
	"testing"
)

// Prosody's own mod_http_errors, loaded from its installed file, renders
// the error pages of net.http.server's events in its own state: a 404 for
// an unknown path, with the messages the config names.
func TestProsodyHTTPErrorsPages(t *testing.T) {
	const dir = "/usr/lib/prosody/modules"
	if _, err := os.Stat(dir + "/mod_http_errors.lua"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Prosody's modules are not installed")
		}
		t.Skip("Prosody's modules are not installed (apt-get install prosody)")
	}
	tr := newTestRuntime(t, `http_errors_messages = { [404] = { "Not here." } }
VirtualHost "vh.example"`, map[string]string{"srv": httpServerModule})
	tr.mu.Lock()
	tr.sources = append(tr.sources, Source{Label: dir, FS: os.DirFS(dir)})
	tr.mu.Unlock()
	tr.load(t, "srv")
	tr.load(t, "http_errors")
	got := serveOne(t, tr.httpSrv, "GET", "/nothing", map[string]string{"host": "vh.example"})
	body := string(got.Body)
	if got.Status != 404 || got.Headers["content-type"] != "text/html; charset=utf-8" ||
		!strings.Contains(body, "<title>404 Not Found</title>") || !strings.Contains(body, "<p>Not here.</p>") {
		t.Fatalf("404 page: %d %v\n%s", got.Status, got.Headers, body)
	}
	got = serveOne(t, tr.httpSrv, "GET", "/nothing", map[string]string{"host": "elsewhere.example"})
	if got.Status != 404 || !strings.Contains(string(got.Body), `<p class="extra">Unknown host: elsewhere.example</p>`) {
		t.Fatalf("unknown host page: %d\n%s", got.Status, got.Body)
	}
}
