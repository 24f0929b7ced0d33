package bridge

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/internal/testenv"
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
		Header: http.Header{"User-Agent": {"wrk"}, "Accept": {"*/*"}}, RemoteAddr: "127.0.0.1:5000", RequestURI: "/bench/hello", Body: http.NoBody}
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

// BenchmarkHTTPHelloServed is GET /bench/hello over a keep-alive
// loopback connection: the request read (the fast path or net/http), the
// router, the Lua route and the response written, and the client's own
// work, the same for both. cpu-ns/op is the process's CPU time (user and
// system) per request, steadier than ns/op on a shared machine.
func BenchmarkHTTPHelloServed(b *testing.B) {
	for _, path := range []struct {
		name        string
		netHTTPOnly bool
	}{{"fast", false}, {"net-http", true}} {
		b.Run(path.name, func(b *testing.B) {
			tr, srv := newServedRuntime(b, "", map[string]string{"bench_http": benchHTTPModule, "http": ""})
			tr.load(b, "bench_http")
			router := httpserve.NewRouter(tr.HTTPApps(), nil, httpserve.Policy{})
			port := testenv.FreePort(b, "tcp4")
			pool := listen.NewPool(srv, logrus.New())
			b.Cleanup(pool.Close)
			bind := ports.Binding{Service: "http", Listener: "http", Network: "tcp4", Address: netip.MustParseAddr("127.0.0.1"), Port: port}
			res := pool.Apply([]ports.Binding{bind}, func(ports.Binding) listen.Endpoint {
				return listen.Endpoint{Handlers: nopHandler{}, Settings: listen.DefaultSettings(), HTTP: router,
					HTTPLimits: listen.HTTPLimits{MaxHeaderBytes: 65536, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, NetHTTPOnly: path.netHTTPOnly}}
			})
			if len(res.Failed) > 0 {
				b.Fatal(res.Failed[0])
			}
			testenv.BenchKeepAlive(b, port, "/bench/hello")
		})
	}
}

// nopHandler is the Lua-connection handler an HTTP listener never calls.
type nopHandler struct{}

func (nopHandler) Connected(*listen.Conn)           {}
func (nopHandler) Incoming(*listen.Conn, []byte)    {}
func (nopHandler) ReadTimeout(*listen.Conn) bool    { return false }
func (nopHandler) Drained(*listen.Conn)             {}
func (nopHandler) Secured(*listen.Conn, bool)       {}
func (nopHandler) Disconnected(*listen.Conn, error) {}
func (h nopHandler) Pick() listen.Handler           { return h }
