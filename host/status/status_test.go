package status

import (
	"bufio"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// sample is a server with two listeners, two modules, a failed reload and
// three callbacks.
func sample() Snapshot {
	return Snapshot{
		Version:     "1.2.3",
		Uptime:      90*time.Minute + 400*time.Millisecond,
		Connections: 4,
		Listeners: []Listener{
			{Service: "echo", Listener: "echo", Address: "127.0.0.1", Port: 7007, AddrPort: "127.0.0.1:7007", Encryption: "none",
				Counters: Counters{Open: 3, Accepted: 10, Refused: 1, BytesIn: 100, BytesOut: 200, LuaErrors: 2}},
			{Service: "https", Listener: "https", Address: "::", Port: 5281, AddrPort: "[::]:5281", Encryption: "direct TLS", Public: true,
				Counters: Counters{Open: 1, Accepted: 5, TLSHandshakes: 4, TLSFailures: 1}},
		},
		Modules: []Module{
			{Name: "echo", Host: "*", Services: []string{"echo"}, Copies: 1, Connections: 3},
			{Name: "http", Host: "*", Services: []string{"https", "http"}, Copies: 1, Connections: 1, Status: "warn: no certificate"},
		},
		Reloads:   Reloads{Count: 2, Failures: 1, Last: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastError: "x.cfg.lua:3: <b>bad</b>"},
		Callbacks: Histogram{Bounds: []float64{0.001, 0.1}, Counts: []int64{1, 1, 1}, Sum: 2.5},
	}
}

// sampleValue is a sample's value. The Prometheus text parser files an
// OpenMetrics counter's _total samples as a family of their own, untyped.
func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// TestMetricsParse: the OpenMetrics text parses with the Prometheus
// parser, with a value per listener, the reload counters and the
// callback histogram, cumulative.
func TestMetricsParse(t *testing.T) {
	var b strings.Builder
	if err := WriteMetrics(&b, sample()); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if !strings.HasSuffix(text, "# EOF\n") {
		t.Errorf("OpenMetrics text must end with # EOF:\n%s", text)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(bufio.NewReader(strings.NewReader(text)))
	if err != nil {
		t.Fatalf("the Prometheus text parser refused the metrics: %v\n%s", err, text)
	}
	value := func(family, address string) float64 {
		for _, m := range families[family].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "address" && l.GetValue() == address {
					return sampleValue(m)
				}
			}
		}
		t.Errorf("%s has no value for %s", family, address)
		return -1
	}
	for _, c := range []struct {
		family, address string
		want            float64
	}{
		{"moonport_connections_open", "127.0.0.1:7007", 3},
		{"moonport_connections_accepted_total", "[::]:5281", 5},
		{"moonport_connections_refused_total", "127.0.0.1:7007", 1},
		{"moonport_received_bytes_total", "127.0.0.1:7007", 100},
		{"moonport_sent_bytes_total", "127.0.0.1:7007", 200},
		{"moonport_lua_errors_total", "127.0.0.1:7007", 2},
		{"moonport_tls_handshakes_total", "[::]:5281", 4},
		{"moonport_tls_handshake_failures_total", "[::]:5281", 1},
	} {
		if got := value(c.family, c.address); got != c.want {
			t.Errorf("%s{address=%q} = %v, want %v", c.family, c.address, got, c.want)
		}
	}
	if got := sampleValue(families["moonport_reload_failures_total"].GetMetric()[0]); got != 1 {
		t.Errorf("reload failures %v", got)
	}
	h := families["moonport_lua_callback_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() != 2.5 || h.GetBucket()[1].GetCumulativeCount() != 2 {
		t.Errorf("callback histogram: %v", h)
	}
}

// TestPage: the page shows the version, uptime, the last reload and its
// error (escaped), each listener and each module with its services
// sorted.
func TestPage(t *testing.T) {
	var b strings.Builder
	if err := WritePage(&b, sample()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"<h1>moonport 1.2.3</h1>",
		"Up 1h30m0s · 4 connection(s) · last reload: 2026-01-02T03:04:05Z (failed: x.cfg.lua:3: &lt;b&gt;bad&lt;/b&gt;)",
		"<tr><td>echo</td><td>echo</td><td>127.0.0.1:7007</td><td>none</td><td>3</td><td>10</td><td>1</td></tr>",
		"<tr><td>https</td><td>https</td><td>[::]:5281</td><td>direct TLS</td><td>1</td><td>5</td><td>0</td></tr>",
		"<tr><td>http</td><td>*</td><td>http, https</td><td>warn: no certificate</td></tr>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	b.Reset()
	if err := WritePage(&b, Snapshot{}); err != nil || !strings.Contains(b.String(), "last reload: never") {
		t.Errorf("before any reload: %v\n%s", err, b.String())
	}
}

// TestHandlers: each request renders a fresh snapshot, with the content
// type scrapers and browsers expect.
func TestHandlers(t *testing.T) {
	n := 0
	snap := func() Snapshot { n++; s := sample(); s.Connections = n; return s }
	for _, c := range []struct {
		handler     func(func() Snapshot) *httptest.ResponseRecorder
		contentType string
	}{
		{func(f func() Snapshot) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			MetricsHandler(f).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
			return w
		}, "application/openmetrics-text; version=1.0.0; charset=utf-8"},
		{func(f func() Snapshot) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			PageHandler(f).ServeHTTP(w, httptest.NewRequest("GET", "/status", nil))
			return w
		}, "text/html; charset=utf-8"},
	} {
		w := c.handler(snap)
		if got := w.Header().Get("Content-Type"); got != c.contentType {
			t.Errorf("content type %q, want %q", got, c.contentType)
		}
	}
	if n != 2 {
		t.Errorf("%d snapshots for 2 requests", n)
	}
}
