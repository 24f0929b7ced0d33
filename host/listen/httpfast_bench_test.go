package listen

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
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
		b.Run(path.name, func(b *testing.B) { benchKeepAlive(b, path.port) })
	}
}

// benchKeepAlive sends b.N requests on one connection, each after the
// last answer.
func benchKeepAlive(b *testing.B, port int) {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /bench/hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n")
	br := bufio.NewReader(c)
	var before, after syscall.Rusage
	b.ReportAllocs()
	b.ResetTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
