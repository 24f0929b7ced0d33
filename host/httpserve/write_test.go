package httpserve

import (
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"
)

// canonicalHeader is textproto's canonical form, for the names it knows
// by heart and for the others.
func TestCanonicalHeader(t *testing.T) {
	for _, k := range []string{"content-type", "content-length", "x-thing", "Content-Type", "etag", "x_odd"} {
		if got, want := canonicalHeader(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Errorf("%q: %q, want %q", k, got, want)
		}
	}
}

// writeResponse sets each header as Header().Set would: one value each,
// and appending to one does not touch another.
func TestWriteResponseHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	writeResponse(w, req, &Response{Status: 201, Exact: true, Headers: map[string]string{"content-type": "text/plain", "x-a": "1", "x-b": "2"}, Body: []byte("ok")})
	h := w.Result().Header
	h["X-A"] = append(h["X-A"], "more")
	if w.Code != 201 || h.Get("Content-Type") != "text/plain" || len(h["X-B"]) != 1 || h.Get("X-B") != "2" || w.Body.String() != "ok" {
		t.Fatalf("%d %v %q", w.Code, h, w.Body.String())
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkWriteResponse is a Lua route's answer (two headers, a short
// body) handed to net/http's writer.
func BenchmarkWriteResponse(b *testing.B) {
	req := httptest.NewRequest("GET", "/bench/hello", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		writeResponse(w, req, &Response{Status: 200, Exact: true, Headers: map[string]string{"content-type": "text/plain", "content-length": "6"}, Body: []byte("hello\n")})
	}
}
