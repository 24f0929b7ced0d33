package core

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
)

// routesModule has every route form and every way to answer.
const routesModule = `
module:provides("http", {
	default_path = "/r";
	route = {
		["GET /hello"] = function(event) return "hello " .. event.request.ip end;
		["POST /items/*"] = function(event, rest)
			return { status_code = 201, headers = { x_item = rest }, body = "made " .. rest .. " from " .. event.request.body };
		end;
		["/any/*"] = function(event, rest) return event.request.method .. " " .. rest end;
		["GET /teapot"] = function() return 418 end;
		["GET /fields"] = function(event)
			event.response.status_code = 202;
			event.response.headers.content_type = "text/plain";
			event.response:send("sent " .. (event.request.headers.user_agent or "?") .. " " .. event.request.query);
			return true;
		end;
		["GET /boom"] = function() error("broken handler") end;
	};
});`

func curl(t *testing.T, args ...string) string {
	t.Helper()
	bin := testenv.NeedTool(t, "curl", "curl")
	out, err := exec.Command(bin, append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
	// A server that refuses a request early may reset the rest of it: what
	// curl printed before is still the answer.
	if err != nil && !strings.Contains(string(out), "HTTP/") {
		t.Fatalf("curl %v: %v\n%s", args[len(args)-1], err, out)
	}
	return string(out)
}

func httpHost(t *testing.T, extra string) (*testHost, int, int, *tlstest.CA) {
	t.Helper()
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost")
	plain, secure := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "routes" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
http_ports = { %d }
https_ports = { %d }
https_ssl = { certificate = %q, key = %q }
%s
`, shipped, examples, plain, secure, crt, key, extra), map[string]string{"routes": routesModule})
	return th, plain, secure, ca
}

func TestHTTPRoutesWithCurl(t *testing.T) {
	th, plain, secure, ca := httpHost(t, "http_max_content_size = 1000\nhttp_max_header_size = 4096\nhttp_header_timeout = 0.5\nhttps_hsts = 3600")
	base := fmt.Sprintf("http://127.0.0.1:%d/r", plain)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{base + "/hello"}, "hello 127.0.0.1"},
		{[]string{"-i", "-d", "stuff", base + "/items/a/b"}, "HTTP/1.1 201 Created"},
		{[]string{"-i", "-d", "stuff", base + "/items/a/b"}, "X-Item: a/b"},
		{[]string{"-d", "stuff", base + "/items/a/b"}, "made a/b from stuff"},
		{[]string{"-X", "DELETE", base + "/any/thing"}, "DELETE thing"},
		{[]string{"-i", base + "/teapot"}, "HTTP/1.1 418"},
		{[]string{"-i", "-A", "curl-test", base + "/fields?x=1"}, "HTTP/1.1 202 Accepted"},
		{[]string{"-A", "curl-test", base + "/fields?x=1"}, "sent curl-test x=1"},
		{[]string{"-i", base + "/nothing"}, "HTTP/1.1 404"},
		{[]string{"-i", base + "/boom"}, "HTTP/1.1 500"},
		{[]string{"-i", "--data-binary", strings.Repeat("x", 2000), base + "/items/big"}, "HTTP/1.1 413"},
		{[]string{"-i", "-H", "X-Huge: " + strings.Repeat("h", 10000), base + "/hello"}, "HTTP/1.1 431"},
	} {
		if got := curl(t, c.args...); !strings.Contains(got, c.want) {
			t.Errorf("curl %v: want %q in\n%s", c.args[len(c.args)-1], c.want, got)
		}
	}
	// HTTP/2 over TLS, verified against the test CA, with HSTS.
	got := curl(t, "-i", "--http2", "--cacert", ca.CertFile, "--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", secure), fmt.Sprintf("https://localhost:%d/r/hello", secure))
	if !strings.HasPrefix(got, "HTTP/2 200") || !strings.Contains(strings.ToLower(got), "strict-transport-security: max-age=3600") {
		t.Errorf("HTTP/2 over TLS:\n%s", got)
	}
	// Slowloris: headers trickled in slower than http_header_timeout. The
	// client trickles on until it is cut (for at most a bound far past
	// the timeout, which a loaded machine cannot reach) and the cut must
	// not come before the timeout; start is taken before the dial, so
	// before the server's clock starts.
	const headerTimeout = 500 * time.Millisecond
	start := time.Now()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", plain))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /r/hello HTTP/1.1\r\nHost: x\r\n")
	closed := false
	for i := 0; !closed && time.Since(start) < 30*time.Second; i++ {
		if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
			closed = true
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		buf := make([]byte, 512)
		if n, err := c.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
			closed = true
		}
	}
	if took := time.Since(start); !closed || took < headerTimeout {
		t.Errorf("a slowloris client was not cut off at http_header_timeout (closed=%v after %s)", closed, took)
	}
	_ = th
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestRedirectToHTTPS(t *testing.T) {
	_, plain, secure, _ := httpHost(t, "http_redirect_https = true")
	got := curl(t, "-i", fmt.Sprintf("http://127.0.0.1:%d/r/hello?q=1", plain))
	if !strings.Contains(got, "308 Permanent Redirect") || !strings.Contains(got, fmt.Sprintf("Location: https://127.0.0.1:%d/r/hello?q=1", secure)) {
		t.Errorf("redirect:\n%s", got)
	}
}

func TestMetricsParse(t *testing.T) {
	_, plain, _, _ := httpHost(t, "http_metrics = true")
	curl(t, fmt.Sprintf("http://127.0.0.1:%d/r/hello", plain))
	body := curl(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", plain))
	if !strings.HasSuffix(body, "# EOF\n") {
		t.Errorf("OpenMetrics text must end with # EOF:\n%s", body)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(bufio.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatalf("the Prometheus text parser refused /metrics: %v\n%s", err, body)
	}
	for _, name := range []string{"moonport_connections_open", "moonport_connections_accepted_total", "moonport_connections_refused_total",
		"moonport_received_bytes_total", "moonport_sent_bytes_total", "moonport_lua_errors_total", "moonport_reloads_total",
		"moonport_lua_callback_seconds", "moonport_tls_handshakes_total"} {
		if _, ok := families[name]; !ok {
			var have []string
			for k := range families {
				have = append(have, k)
			}
			t.Errorf("no family %s (have %v)", name, have)
		}
	}
	hist := families["moonport_lua_callback_seconds"]
	if hist == nil || hist.GetMetric()[0].GetHistogram().GetSampleCount() < 1 {
		t.Errorf("the callback histogram counted nothing: %v", hist)
	}
}

// TestStatusPageInChromium loads the status page in headless Chromium and
// checks the listener table in the rendered DOM; the screenshot is kept
// in $ARTIFACTS_DIR (default host/core/artifacts).
func TestStatusPageInChromium(t *testing.T) {
	chromium := testenv.NeedTool(t, "chromium", "chromium")
	_, plain, secure, _ := httpHost(t, "http_status_page = true")
	url := fmt.Sprintf("http://127.0.0.1:%d/status", plain)
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}
	dom, err := exec.Command(chromium, append(flags, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	page := string(dom)
	table := page[strings.Index(page, `<table id="listeners">`):]
	table = table[:strings.Index(table, "</table>")]
	for _, want := range []string{fmt.Sprintf("<td>127.0.0.1:%d</td>", plain), fmt.Sprintf("<td>127.0.0.1:%d</td>", secure), "<td>direct TLS</td>", "<td>http</td>"} {
		if !strings.Contains(table, want) {
			t.Errorf("listener table lacks %s:\n%s", want, table)
		}
	}
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir, _ = filepath.Abs("artifacts")
	}
	os.MkdirAll(dir, 0o755)
	shot := filepath.Join(dir, "status-page.png")
	if out, err := exec.Command(chromium, append(flags, "--window-size=1024,700", "--screenshot="+shot, url)...).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 1000 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
