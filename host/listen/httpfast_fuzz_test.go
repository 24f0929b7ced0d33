package listen

import (
	"bufio"
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// FuzzHTTPFastParse: whatever head the fast path takes, net/http's own
// reader takes too and reads as the same request (method, target, URL,
// Host, headers, Connection: close, Content-Length); what it leaves goes
// to net/http, so leaving too much is safe, taking wrongly is not.
func FuzzHTTPFastParse(f *testing.F) {
	for _, raw := range rawRequests {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		i := bytes.Index(data, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		head := data[:i]
		var g http.Request
		clen, err := parseHead(head, &g)
		if err != nil {
			return
		}
		want, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data[:i+4])))
		if err != nil {
			t.Fatalf("the fast path took %q, net/http refused it: %v", head, err)
		}
		delete(want.Header, "Host") // the server keeps it in Request.Host only
		if clen != g.ContentLength {
			t.Fatalf("%q: length %d, request says %d", head, clen, g.ContentLength)
		}
		if g.Method != want.Method || g.RequestURI != want.RequestURI || g.URL.String() != want.URL.String() ||
			g.URL.Path != want.URL.Path || g.URL.RawPath != want.URL.RawPath || g.URL.RawQuery != want.URL.RawQuery ||
			g.Proto != want.Proto || g.Host != want.Host || g.Close != want.Close || g.ContentLength != want.ContentLength {
			t.Fatalf("%q:\nfast %s %s %s host=%q close=%v len=%d\nnet/http %s %s %s host=%q close=%v len=%d", head,
				g.Method, g.URL, g.Proto, g.Host, g.Close, g.ContentLength, want.Method, want.URL, want.Proto, want.Host, want.Close, want.ContentLength)
		}
		if len(g.Header) != 0 || len(want.Header) != 0 {
			if !reflect.DeepEqual(g.Header, want.Header) {
				t.Fatalf("%q: headers\nfast %v\nnet/http %v", head, g.Header, want.Header)
			}
		}
		for k, vs := range g.Header {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") || strings.ContainsAny(k, " :\r\n") {
					t.Fatalf("%q: header %q: %q", head, k, v)
				}
			}
		}
	})
}

// FuzzHTTPFastPathVsNetHTTP: any bytes a client sends get the same
// answer (bar the Date) from the fast path as from net/http alone.
func FuzzHTTPFastPathVsNetHTTP(f *testing.F) {
	for _, raw := range rawRequests {
		f.Add([]byte(raw))
	}
	fast, plain := diffListeners(f, diffHandler(), HTTPLimits{MaxBody: 16, MaxHeaderBytes: 4096})
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("/panic")) || bytes.Contains(data, []byte("/bare")) {
			return // closes mid-stream: what was flushed before depends on timing
		}
		want, got := exchange(t, plain, string(data)), exchange(t, fast, string(data))
		if got != want {
			t.Fatalf("%q\nfast path:\n%q\nnet/http:\n%q", data, got, want)
		}
	})
}
