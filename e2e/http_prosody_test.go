package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// Prosody's own HTTP modules (mod_http, mod_http_files, mod_http_errors,
// and prosody-modules' mod_http_libjs) and a module written for Prosody,
// run by a real Prosody 0.12 and by moonport on the same config (each on
// its own loopback port): a client must get the same status, body and the
// headers that matter.

// prosodyHTTPModule is a module written for Prosody's mod_http.
const prosodyHTTPModule = `
module:depends("http")
module:provides("http", {
	route = {
		GET = function(event) return "base of " .. module.name end;
		["GET /hello"] = function(event) return "hello " .. (event.request.url.query or "") end;
		["POST /echo"] = function(event)
			return { status_code = 201, headers = { content_type = "text/x-echo", cache_control = "no-store" }, body = event.request.body }
		end;
		["GET /status/*"] = function(event, path) return tonumber(path) end;
		["GET /static"] = { status_code = 202, headers = { content_type = "text/plain" }, body = "static" };
		["GET /moved"] = function(event)
			event.response.headers.location = "/elsewhere"
			return 302
		end;
		["GET /forbidden"] = function(event)
			return require "util.error".new({ type = "auth", condition = "forbidden", text = "Go away", code = 403 })
		end;
		["GET /crash"] = function(event) error("boom") end;
		["GET /later"] = function(event)
			module:add_timer(0.05, function() event.response:send("answered later") end)
			return true
		end;
	};
})
`

// headersThatMatter are compared between the two servers.
var headersThatMatter = []string{"Content-Type", "Content-Length", "Location", "Last-Modified", "Etag", "Cache-Control",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"}

// httpSides are the two servers' HTTP ports, and moonport's log.
type httpSides struct {
	prosody, moonport int
	moonportLog       string
}

// startHTTPSides runs Prosody and moonport on config (the same body; each
// gets its own port, data folder and log), with Prosody's module folder
// and a folder holding prosodyHTTPModule on the plugin path. It skips
// without prosody or root (Prosody runs as root with run_as_root here).
func startHTTPSides(t *testing.T, config string) httpSides {
	t.Helper()
	testenv.NeedTool(t, "prosody", "prosody")
	needRoot(t)
	if _, err := os.Stat("/usr/lib/prosody/modules/mod_http.lua"); err != nil {
		t.Skip("Prosody's modules are not installed")
	}
	dir := t.TempDir()
	mods := filepath.Join(dir, "mods")
	if err := os.MkdirAll(mods, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mods, "mod_hello_http.lua"), []byte(prosodyHTTPModule), 0o644); err != nil {
		t.Fatal(err)
	}
	ports := testenv.FreePorts(t, 2)
	sides := httpSides{prosody: ports[0], moonport: ports[1], moonportLog: filepath.Join(dir, "moonport.log")}
	write := func(name string, port int) string {
		data := filepath.Join(dir, name+"-data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`run_as_root = true
data_path = %q
pidfile = %q
plugin_paths = { "/usr/lib/prosody/modules", %q }
http_ports = { %d }
https_ports = {}
http_interfaces = { "127.0.0.1" }
c2s_ports = {}
s2s_ports = {}
log = { info = %q }
%s`, data, filepath.Join(data, "pid"), mods, port, filepath.Join(dir, name+".log"), config)
		cfg := filepath.Join(dir, name+".cfg.lua")
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"prosody", "moonport"} {
				b, _ := os.ReadFile(filepath.Join(dir, name+".log"))
				t.Logf("%s's log:\n%s", name, b)
			}
		}
	})
	testenv.Start(t, "prosody", testenv.Args("--config", write("prosody", sides.prosody), "-F"))
	testenv.Start(t, testenv.Binary(t), testenv.Config(write("moonport", sides.moonport)))
	testenv.WaitListening(t, sides.prosody, loopback(sides.prosody))
	moonportServes(t, sides.moonport, filepath.Join(dir, "moonport.log"))
	return sides
}

// httpAnswer is what a client got.
type httpAnswer struct {
	status  int
	headers http.Header
	body    string
}

func fetchHTTP(t *testing.T, port int, method, path string, headers map[string]string, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", port, path), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "localhost"
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s on port %d: %v", method, path, port, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpAnswer{status: resp.StatusCode, headers: resp.Header, body: string(b)}
}

// sameAnswer asks both servers and fails on a difference in status,
// body or a header that matters; it returns Prosody's answer.
func (s httpSides) sameAnswer(t *testing.T, method, path string, headers map[string]string, body string) httpAnswer {
	t.Helper()
	p := fetchHTTP(t, s.prosody, method, path, headers, body)
	m := fetchHTTP(t, s.moonport, method, path, headers, body)
	if p.status != m.status {
		t.Errorf("%s %s: status %d from Prosody, %d from moonport", method, path, p.status, m.status)
	}
	if p.body != m.body {
		t.Errorf("%s %s: body from Prosody\n%q\nfrom moonport\n%q", method, path, p.body, m.body)
	}
	for _, h := range headersThatMatter {
		pv, mv := normalHeader(h, p.headers.Values(h)), normalHeader(h, m.headers.Values(h))
		if pv != mv {
			t.Errorf("%s %s: %s %q from Prosody, %q from moonport", method, path, h, pv, mv)
		}
	}
	return p
}

// normalHeader is a header's values; the lists of
// Access-Control-Allow-Methods and -Headers are sorted, as Prosody writes
// a set in no particular order.
func normalHeader(name string, values []string) string {
	v := strings.Join(values, ", ")
	if strings.HasPrefix(name, "Access-Control-Allow-") && strings.Contains(v, ",") {
		items := strings.Split(v, ",")
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
		sort.Strings(items)
		v = strings.Join(items, ", ")
	}
	return v
}

// The error pages carry a random line unless http_errors_messages names
// one per code; these make them the same on both sides.
const fixedErrorMessages = `http_errors_messages = { [400] = { "Bad." }, [403] = { "No." }, [404] = { "Not here." }, [500] = { "Broken." } }
`

// TestProsodyHTTPFiles: Prosody's mod_http_files (through Prosody's
// mod_http and mod_http_errors) serves a file, a folder's index, the
// redirects to a folder's "/", 404 for a missing file or an unknown host,
// 400 for a path that climbs out, and 304 for If-Modified-Since and
// If-None-Match, as Prosody does.
func TestProsodyHTTPFiles(t *testing.T) {
	www := t.TempDir()
	for name, body := range map[string]string{"a.txt": "alpha\n", "page.html": "<p>page</p>", "sub/index.html": "<p>sub</p>", "raw.data": "raw"} {
		p := filepath.Join(www, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sides := startHTTPSides(t, fmt.Sprintf("modules_enabled = { \"http_files\" }\nhttp_files_dir = %q\n%sVirtualHost \"localhost\"\n", www, fixedErrorMessages))
	a := sides.sameAnswer(t, "GET", "/files/a.txt", nil, "")
	for _, path := range []string{"/files/page.html", "/files/raw.data", "/files/sub/", "/files/sub", "/files/missing", "/files/", "/files",
		"/nowhere", "/files/%2e%2e/x", "/files/a.txt?x=1"} {
		sides.sameAnswer(t, "GET", path, nil, "")
	}
	sides.sameAnswer(t, "GET", "/nowhere", map[string]string{"Host": "other.example"}, "")
	sides.sameAnswer(t, "HEAD", "/files/a.txt", nil, "")
	sides.sameAnswer(t, "GET", "/files/a.txt", map[string]string{"If-Modified-Since": a.headers.Get("Last-Modified")}, "")
	sides.sameAnswer(t, "GET", "/files/a.txt", map[string]string{"If-None-Match": a.headers.Get("Etag")}, "")
}

// TestProsodyHTTPLibJS: prosody-modules' mod_http_libjs serves
// /usr/share/javascript under /share (or gives the same 404 without it).
func TestProsodyHTTPLibJS(t *testing.T) {
	if _, err := os.Stat("/usr/lib/prosody/modules/mod_http_libjs/mod_http_libjs.lua"); err != nil {
		t.Skip("prosody-modules' mod_http_libjs is not installed")
	}
	sides := startHTTPSides(t, "modules_enabled = { \"http\", \"http_libjs\" }\n"+fixedErrorMessages+"VirtualHost \"localhost\"\n")
	sides.sameAnswer(t, "GET", "/share/jquery/jquery.min.js", nil, "")
	sides.sameAnswer(t, "GET", "/share/nothing.js", nil, "")
}

// TestProsodyHTTPOwnModule: a module written for Prosody answers the
// same: a method-alone route, a query, a table with headers, a status
// from the path, a static table, a redirect, an answer sent later, an
// unknown path, a util.error object (mod_http_errors' page for its code
// and text: the object keeps its metatable on its way from the module's
// state to net.http.server), and the CORS preflight mod_http adds.
func TestProsodyHTTPOwnModule(t *testing.T) {
	sides := startHTTPSides(t, "modules_enabled = { \"hello_http\" }\n"+fixedErrorMessages+"VirtualHost \"localhost\"\n")
	for _, path := range []string{"/hello_http", "/hello_http/hello?x=1", "/hello_http/status/418", "/hello_http/status/500",
		"/hello_http/static", "/hello_http/moved", "/hello_http/later", "/hello_http/none", "/hello_http/forbidden", "/hello_http/crash"} {
		sides.sameAnswer(t, "GET", path, nil, "")
	}
	// mod_http heard of the listener while the modules loaded, before
	// moonport bound it (core.portmanager answers with the plan). Only
	// port and path are checked: moonport's mod_http adds the app on host
	// "*", so its URL names the interface where Prosody's names the
	// VirtualHost.
	log := waitLog(t, sides.moonportLog, "Serving 'hello_http' at http://", 1)
	if want := fmt.Sprintf(":%d/hello_http\"", sides.moonport); !strings.Contains(log, want) {
		t.Errorf("mod_http's Serving line lacks %q:\n%s", want, log)
	}
	if strings.Contains(log, "Not listening on any ports") {
		t.Errorf("mod_http found no listener:\n%s", log)
	}
	sides.sameAnswer(t, "POST", "/hello_http/echo", map[string]string{"Content-Type": "text/plain"}, "echo me")
	sides.sameAnswer(t, "OPTIONS", "/hello_http/hello", map[string]string{"Origin": "http://example.com"}, "")
	sides.sameAnswer(t, "GET", "/hello_http/hello", map[string]string{"Origin": "http://example.com"}, "")
}

// moonportServes waits until moonport listens on port; the test fails
// with moonport's log if it never does (Prosody's mod_http did not load).
func moonportServes(t *testing.T, port int, logFile string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if len(testenv.ListeningAddrs(t, port)) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(logFile)
	t.Fatalf("moonport never listened on %d:\n%s", port, b)
}

// TestProsodyHTTPFilesNoDir: without http_files_dir, Prosody's
// mod_http_files fails on every file request (a Lua error in
// net.http.files): both answer the 500 Prosody writes after a handler's
// error, headerless.
func TestProsodyHTTPFilesNoDir(t *testing.T) {
	sides := startHTTPSides(t, "modules_enabled = { \"http_files\" }\n"+fixedErrorMessages+"VirtualHost \"localhost\"\n")
	a := sides.sameAnswer(t, "GET", "/files/a.txt", nil, "")
	if a.status != 500 {
		t.Errorf("Prosody answered %d, not 500", a.status)
	}
	sides.sameAnswer(t, "GET", "/files/", nil, "")
}
