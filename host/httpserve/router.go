// Package httpserve routes HTTP requests to the routes modules provide
// with module:provides("http", …), under Prosody's rules for mount paths
// and route patterns, and applies the HTTP policy: body limits, redirect
// to HTTPS, HSTS, and the built-in /metrics and status pages.
//
// It knows net/http and plain Go values; it does not know Lua (the bridge
// turns routes into Handle functions) or sockets (host/listen serves it).
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
)

// Request is what a route handler sees.
type Request struct {
	Ctx                 context.Context // done when the client goes
	Host                string          // the Host header (or the URL's host)
	RawPath             string          // the path as sent, still %-encoded
	Method, Path, Query string
	Headers             map[string]string // lower-case names
	// Header is the request's header as net/http read it, for a route
	// that reads it once (the bridge makes request.headers from it only
	// when a module looks): Headers need not be filled then.
	Header   http.Header
	Body     []byte
	IP       string
	Port     int
	Wildcard string // what "*" matched
	Secure   bool
}

// Response is what a route handler returns.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
	// Exact sends the headers as they are: no Content-Type guessed from
	// the body (Prosody's net.http.server sends none it was not given).
	Exact bool
	// Bare sends the answer as Prosody's net.http.server does after a
	// handler's Lua error: an HTTP/1.0 status line, no headers, the body,
	// then the connection closed. Where the connection cannot be taken
	// over (HTTP/2), it is an ordinary answer without Headers.
	Bare bool
}

// Route is one entry of a module's route table: "GET /items/*", "/static/*".
type Route struct {
	Method string // "" for any
	Path   string // relative to the mount, without a final "*"
	Prefix bool   // the pattern ended in "*"
	Handle func(*Request) *Response
}

// App is one module's routes under its mount path.
type App struct {
	Module, Host string
	Mount        string
	Routes       []Route
}

// ParsePattern reads a route key: "GET /hello", "POST /items/*", "/x",
// or a method alone ("GET", the app's base path).
func ParsePattern(key string) (method, path string, prefix bool, err error) {
	key = strings.TrimSpace(key)
	if m, p, ok := strings.Cut(key, " "); ok {
		method, key = strings.ToUpper(m), strings.TrimSpace(p)
	}
	if method == "" && isMethod(key) {
		return strings.ToUpper(key), "/", false, nil // a method alone: the app's base path
	}
	if !strings.HasPrefix(key, "/") {
		return "", "", false, fmt.Errorf("route %q: the path must start with /", key)
	}
	if strings.HasSuffix(key, "*") {
		return method, strings.TrimSuffix(key, "*"), true, nil
	}
	return method, key, false, nil
}

// isMethod says whether a route key is a method name alone ("GET").
func isMethod(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range key {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// Policy is the HTTP policy of a listener.
type Policy struct {
	MaxBody       int64 // http_max_body_size
	RedirectHTTPS int   // redirect every request to https on this port (0 = off)
	HSTS          int   // Strict-Transport-Security max-age on TLS responses (0 = off)
	Pages         bool  // serve the built-in pages (metrics, status) on this listener
}

// Router serves Apps and the extra handlers (metrics, status).
type Router struct {
	apps   []App
	extra  map[string]http.Handler
	policy Policy
}

// NewRouter builds a router; longer mounts are matched first.
func NewRouter(apps []App, extra map[string]http.Handler, p Policy) *Router {
	sorted := append([]App(nil), apps...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].Mount) > len(sorted[j].Mount) })
	return &Router{apps: sorted, extra: extra, policy: p}
}

// WithPolicy is the router with another listener's policy.
func (r *Router) WithPolicy(p Policy) *Router {
	c := *r
	c.policy = p
	return &c
}

func under(path, mount string) (string, bool) {
	if mount == "/" {
		return path, true
	}
	if path == mount {
		return "/", true
	}
	if strings.HasPrefix(path, mount+"/") {
		return path[len(mount):], true
	}
	return "", false
}

// match finds the route for a request: the longest mount, then a route
// with the request's method before one for any method, exact paths before
// the longest wildcard.
func (r *Router) match(method, path string) (*App, *Route, string) {
	for i := range r.apps {
		app := &r.apps[i]
		rel, ok := under(path, app.Mount)
		if !ok {
			continue
		}
		var best *Route
		bestScore, wildcard := -1, ""
		for j := range app.Routes {
			rt := &app.Routes[j]
			if rt.Method != "" && rt.Method != method && !(method == "HEAD" && rt.Method == "GET") {
				continue
			}
			score := 0
			w := ""
			switch {
			case !rt.Prefix && rel == rt.Path:
				score = 1 << 20
			case rt.Prefix && strings.HasPrefix(rel, rt.Path):
				score = len(rt.Path)
				w = rel[len(rt.Path):]
			default:
				continue
			}
			if rt.Method != "" {
				score++
			}
			if score > bestScore {
				best, bestScore, wildcard = rt, score, w
			}
		}
		if best != nil {
			return app, best, wildcard
		}
	}
	return nil, nil, ""
}

// ServeHTTP routes one request.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	secure := req.TLS != nil
	if r.policy.RedirectHTTPS > 0 && !secure {
		host := req.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		target := "https://" + net.JoinHostPort(host, strconv.Itoa(r.policy.RedirectHTTPS)) + req.URL.RequestURI()
		http.Redirect(w, req, target, http.StatusPermanentRedirect)
		return
	}
	if secure && r.policy.HSTS > 0 {
		w.Header().Set("Strict-Transport-Security", "max-age="+strconv.Itoa(r.policy.HSTS))
	}
	if h, ok := r.extra[req.URL.Path]; ok && r.policy.Pages {
		h.ServeHTTP(w, req)
		return
	}
	_, route, wildcard := r.match(req.Method, req.URL.Path)
	if route == nil {
		http.Error(w, "404 Not Found", http.StatusNotFound)
		return
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody { // no body: no reader, no buffer
		limit := r.policy.MaxBody
		if limit <= 0 {
			limit = 1 << 20
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "413 Request Entity Too Large", http.StatusRequestEntityTooLarge)
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				w.Header().Set("Connection", "close")
				http.Error(w, "408 Request Timeout", http.StatusRequestTimeout)
				return
			}
			http.Error(w, "400 Bad Request", http.StatusBadRequest)
			return
		}
		body = b
	}
	ip, port := req.RemoteAddr, 0
	if h, p, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		ip = h
		port, _ = strconv.Atoi(p)
	}
	resp := route.Handle(&Request{Ctx: req.Context(), Host: req.Host, RawPath: req.URL.EscapedPath(), Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Header: req.Header,
		Body: body, IP: ip, Port: port, Wildcard: wildcard, Secure: secure})
	if resp == nil {
		if req.Context().Err() != nil {
			return // the client went while the handler was still at it
		}
		resp = &Response{Status: http.StatusInternalServerError, Body: []byte("500 Internal Server Error\n")}
	}
	writeResponse(w, req, resp)
}

// writeResponse sends a handler's response.
func writeResponse(w http.ResponseWriter, req *http.Request, resp *Response) {
	if resp.Bare && writeBare(w, resp) {
		return
	}
	// As w.Header().Set for each, with the values in one array and the
	// common names' canonical forms constants (issue 18: a string and a
	// slice fewer per header).
	h := w.Header()
	vals := make([]string, len(resp.Headers))
	i := 0
	for k, v := range resp.Headers {
		vals[i] = v
		h[canonicalHeader(k)] = vals[i : i+1 : i+1]
		i++
	}
	if w.Header().Get("Content-Type") == "" {
		if resp.Exact {
			w.Header()["Content-Type"] = nil // net/http would guess one
		} else if len(resp.Body) > 0 {
			w.Header().Set("Content-Type", http.DetectContentType(resp.Body))
		}
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	if cl := w.Header().Get("Content-Length"); status == http.StatusNotModified && resp.Exact && cl != "" {
		// net/http removes Content-Length from a 304 (RFC 7232 4.1) by its
		// canonical name only; Prosody sends it, so it goes under the
		// lower-case name (header names are case-insensitive).
		w.Header().Del("Content-Length")
		w.Header()["content-length"] = []string{cl}
	}
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
}

// canonicalHeader is textproto.CanonicalMIMEHeaderKey(k), without making
// a string for the names every Lua response has.
func canonicalHeader(k string) string {
	switch k {
	case "content-type":
		return "Content-Type"
	case "content-length":
		return "Content-Length"
	}
	return textproto.CanonicalMIMEHeaderKey(k)
}

// writeBare sends resp as Response.Bare says, on the connection taken
// from net/http; false when it cannot be taken.
func writeBare(w http.ResponseWriter, resp *Response) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		resp.Headers = nil
		return false
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		resp.Headers = nil
		return false
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.0 %d %s\r\n\r\n", resp.Status, http.StatusText(resp.Status))
	_, _ = buf.Write(resp.Body)
	_ = buf.Flush()
	return true
}
