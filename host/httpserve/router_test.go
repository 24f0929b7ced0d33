package httpserve

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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

// rawAnswer sends req to srv on a new connection and returns everything
// that comes back until the server closes.
func rawAnswer(t *testing.T, srv *httptest.Server, req string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// An exact 304 keeps the Content-Length its handler gave, as Prosody's
// has one, which net/http would remove.
func TestNotModifiedKeepsLength(t *testing.T) {
	app := App{Mount: "/app", Routes: []Route{{Path: "/", Prefix: true, Handle: func(*Request) *Response {
		return &Response{Status: 304, Headers: map[string]string{"Content-Length": "0", "Etag": "x"}, Exact: true}
	}}}}
	srv := httptest.NewServer(NewRouter([]App{app}, nil, Policy{}))
	defer srv.Close()
	got := rawAnswer(t, srv, "GET /app/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 304 ") || strings.Count(strings.ToLower(got), "\r\ncontent-length: 0\r\n") != 1 {
		t.Errorf("got %q", got)
	}
}

// A Bare answer is written as Prosody's server writes its 500 after a
// Lua error: status line, blank line, body, connection closed; without a
// connection to take over (a recorder, as HTTP/2), it is ordinary and
// headerless.
func TestBare(t *testing.T) {
	app := App{Mount: "/app", Routes: []Route{{Path: "/", Prefix: true, Handle: func(*Request) *Response {
		return &Response{Status: 500, Headers: map[string]string{"X-Set": "before"}, Body: []byte("page"), Exact: true, Bare: true}
	}}}}
	srv := httptest.NewServer(NewRouter([]App{app}, nil, Policy{}))
	defer srv.Close()
	if got := rawAnswer(t, srv, "GET /app/x HTTP/1.1\r\nHost: localhost\r\n\r\n"); got != "HTTP/1.0 500 Internal Server Error\r\n\r\npage" {
		t.Errorf("got %q", got)
	}
	rec := httptest.NewRecorder()
	NewRouter([]App{app}, nil, Policy{}).ServeHTTP(rec, httptest.NewRequest("GET", "/app/x", nil))
	if rec.Code != 500 || rec.Body.String() != "page" || rec.Header().Get("X-Set") != "" {
		t.Errorf("recorder: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}
