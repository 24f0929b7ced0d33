package httpserve

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func reply(body string) func(*Request) *Response {
	return func(r *Request) *Response { return &Response{Body: []byte(body + " " + r.Wildcard)} }
}

func TestMatching(t *testing.T) {
	route := func(key, body string) Route {
		m, p, prefix, err := ParsePattern(key)
		if err != nil {
			t.Fatal(err)
		}
		return Route{Method: m, Path: p, Prefix: prefix, Handle: reply(body)}
	}
	r := NewRouter([]App{
		{Module: "api", Mount: "/api", Routes: []Route{route("GET /items", "list"), route("POST /items/*", "post"), route("/items/*", "any"), route("GET /items/special", "special")}},
		{Module: "root", Mount: "/", Routes: []Route{route("/*", "root")}},
		{Module: "deep", Mount: "/api/deep", Routes: []Route{route("GET /", "deep")}},
	}, nil, Policy{})
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/api/items", "list "},
		{"POST", "/api/items/x/y", "post x/y"},
		{"GET", "/api/items/x", "any x"},
		{"GET", "/api/items/special", "special "},
		{"HEAD", "/api/items", ""},
		{"GET", "/api/deep", "deep "},
		{"GET", "/apiary", "root apiary"},
		{"DELETE", "/api/items", "root api/items"}, // no api route for DELETE /items: the root app's wildcard
	} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if got, _ := io.ReadAll(w.Body); strings.TrimSpace(string(got)) != strings.TrimSpace(c.want) {
			t.Errorf("%s %s = %q, want %q", c.method, c.path, got, c.want)
		}
	}
	if _, _, _, err := ParsePattern("GET nope"); err == nil {
		t.Error("a path without / was accepted")
	}
}

func TestPolicy(t *testing.T) {
	r := NewRouter([]App{{Mount: "/", Routes: []Route{{Path: "/", Prefix: true, Handle: reply("ok")}}}}, nil, Policy{RedirectHTTPS: 8443, MaxBody: 10})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com:8080/a?b=c", nil))
	if w.Code != http.StatusPermanentRedirect || w.Header().Get("Location") != "https://example.com:8443/a?b=c" {
		t.Errorf("redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	r = r.WithPolicy(Policy{MaxBody: 10})
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11))))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit: %d", w.Code)
	}
}

// A route key that is a method alone is the app's base path, as in
// Prosody's mod_http; a response marked Exact gets no guessed type.
func TestMethodAloneAndExact(t *testing.T) {
	method, path, prefix, err := ParsePattern("get")
	if err != nil || method != "GET" || path != "/" || prefix {
		t.Fatalf("ParsePattern(get) = %q %q %v %v", method, path, prefix, err)
	}
	if _, _, _, err := ParsePattern("GET x"); err == nil {
		t.Error("a path without / was taken")
	}
	app := App{Mount: "/app", Routes: []Route{{Method: method, Path: path, Handle: func(*Request) *Response {
		return &Response{Status: 200, Body: []byte("<p>base</p>"), Exact: true}
	}}}}
	rec := httptest.NewRecorder()
	NewRouter([]App{app}, nil, Policy{}).ServeHTTP(rec, httptest.NewRequest("GET", "/app", nil))
	if rec.Code != 200 || rec.Body.String() != "<p>base</p>" || rec.Header().Get("Content-Type") != "" {
		t.Fatalf("GET /app: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}
