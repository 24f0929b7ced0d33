package bridge

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/moonport/moonport/host/httpserve"
)

// benchHTTPModule is bench/modules/mod_bench_http.lua.
const benchHTTPModule = `
module:provides("http", {
	default_path = "/bench";
	route = {
		["GET /hello"] = function(event)
			event.response.headers.content_type = "text/plain";
			return "hello\n";
		end;
	};
});
`

// nullWriter is an http.ResponseWriter that keeps nothing, so the
// benchmark measures the route, the Lua handler and the response's
// making, not a socket.
type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nullWriter) WriteHeader(int)             {}

// BenchmarkHTTPHello is one GET /bench/hello through the router and the
// Lua route of bench/modules/mod_bench_http.lua (issue 18): the request's
// and response's records, their proxies in the module's state, the
// handler, and the response handed back to net/http.
func BenchmarkHTTPHello(b *testing.B) {
	tr := newTestRuntime(b, "", map[string]string{"bench_http": benchHTTPModule, "http": ""})
	tr.load(b, "bench_http")
	router := httpserve.NewRouter(tr.HTTPApps(), nil, httpserve.Policy{})
	u, _ := url.ParseRequestURI("/bench/hello")
	req := &http.Request{Method: "GET", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: "localhost",
		Header: http.Header{"User-Agent": {"wrk"}, "Accept": {"*/*"}}, RemoteAddr: "127.0.0.1:5000", RequestURI: "/bench/hello"}
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		router.ServeHTTP(w, req)
	}
	if w.h.Get("Content-Length") != "6" {
		b.Fatalf("the route did not answer: %v", w.h)
	}
}
