package listen

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// BenchmarkHTTPServe is a keep-alive GET answered by a Go handler that
// sets a Content-Type and writes six bytes, as bench/plain's: the request
// read and the answer written by the fast path or by net/http, and the
// client's own work (the same for both). cpu-ns/op is the process's CPU
// per request, steadier than ns/op on a shared machine; with -cpu 1 the
// server and the client share one core, as with wrk on two.
func BenchmarkHTTPServe(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello\n")
	})
	fast, plain := diffListeners(b, h, HTTPLimits{MaxHeaderBytes: 65536, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second})
	for _, path := range []struct {
		name string
		port int
	}{{"fast", fast}, {"net-http", plain}} {
		b.Run(path.name, func(b *testing.B) { testenv.BenchKeepAlive(b, path.port, "/bench/hello") })
	}
}
