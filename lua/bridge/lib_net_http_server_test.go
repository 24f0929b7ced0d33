package bridge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/httpserve"
)

// A module written against Prosody's net.http.server: handlers on the
// server's events through module:hook_object_event, a wrapper, a host.
const httpServerModule = `
local server = require "net.http.server"
server.add_host("example.com")
local function hook(name, fn, prio) module:hook_object_event(server, name, fn, prio) end
hook("GET /hello", function(event) return "hello " .. event.request.ip end)
hook("GET /files/*", function(event) return "files " .. event.request.path end)
hook("GET /files/deep/*", function(event) return "deep " .. event.request.path end)
hook("GET /files/low", function() return "low" end, -5)
hook("GET /files/low", function() return nil end, 5)
hook("GET /table", function() return { status_code = 201, headers = { x_made = "yes" }, body = "made" } end)
hook("GET /later", function(event)
	module:add_timer(0.01, function() event.response:send("sent later") end)
	return true
end)
hook("GET /fail", function() error("broken on purpose") end)
hook("GET /err", function() return setmetatable({ type = "auth", condition = "forbidden", code = 403, text = "nope" }, { __name = "error" }) end)
local promise = require "util.promise"
hook("GET /promised", function()
	return promise.new(function(resolve) module:add_timer(0.01, function() resolve("promised") end) end)
end)
hook("GET /rejected", function() return promise.reject("no luck") end)
hook("GET example.com/onhost", function(event) return "on " .. event.request.headers.host end)
hook("GET /fields", function(event)
	local r = event.request
	return table.concat({ r.method, r.path, r.url.path, tostring(r.url.query), r.headers.x_thing, r.body,
		tostring(r.secure), r.conn:ip(), type(r.id), tostring(r.port), tostring(r.query) }, "|")
end)
module:wrap_object_event(server._events, false, function(handlers, name, data)
	if data.request and data.request.headers.x_forwarded_for then data.request.ip = data.request.headers.x_forwarded_for end
	return handlers(name, data)
end)
module:provides("net", { name = "web", listener = server.listener, default_port = 1 })
`

// A second module renders the error pages, in its own state.
const httpErrorsModule = `
local server = require "net.http.server"
module:hook_object_event(server, "http-error", function(event)
	if event.response then event.response.headers.content_type = "text/plain" end
	return "page " .. event.code .. " " .. tostring(event.message) .. " " .. tostring(event.private_message ~= nil) ..
		(event.error and " " .. event.error.text or "")
end)
`

func serveOne(t *testing.T, s *httpServer, method, path string, headers map[string]string) *httpserve.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	raw, query, _ := strings.Cut(path, "?")
	if headers == nil {
		headers = map[string]string{}
	}
	host := headers["host"]
	if host == "" {
		host = "localhost:5280"
	}
	r := &httpserve.Request{Ctx: ctx, Host: host, RawPath: raw, Path: raw, Query: query, Method: method,
		Headers: headers, IP: "127.0.0.1", Body: []byte("the body")}
	resp := s.serve(r)
	if resp == nil {
		t.Fatalf("%s %s: no response", method, path)
	}
	return resp
}

// net.http.server dispatches as Prosody's: exact before wildcard, the
// deepest wildcard first, priorities, HEAD through GET, hosts (added, or
// active in the config), the
// result kinds (an error object, a promise), a later answer, errors
// through "http-error" in another
// module's state, a wrapper that changes the request for the handlers.
func TestNetHTTPServer(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "vh.example"`, map[string]string{"srv": httpServerModule, "errs": httpErrorsModule})
	tr.load(t, "srv")
	s := tr.Runtime.httpSrv
	check := func(method, path string, headers map[string]string, status int, body string) *httpserve.Response {
		t.Helper()
		got := serveOne(t, s, method, path, headers)
		if got.Status != status || string(got.Body) != body {
			t.Errorf("%s %s: %d %q, want %d %q", method, path, got.Status, got.Body, status, body)
		}
		return got
	}
	check("GET", "/hello", nil, 200, "hello 127.0.0.1")
	check("GET", "/hello", map[string]string{"x-forwarded-for": "192.0.2.7"}, 200, "hello 192.0.2.7")
	check("GET", "/files/a/b", nil, 200, "files /files/a/b")
	check("GET", "/files/deep/x", nil, 200, "deep /files/deep/x")
	check("GET", "/files/low", nil, 200, "low")
	check("GET", "/fields?q=1", map[string]string{"x-thing": "t"}, 200, "GET|/fields|/fields|q=1|t|the body|nil|127.0.0.1|string|nil|nil") // no moonport fields (port, query)
	if got := check("HEAD", "/hello", nil, 200, ""); got.Headers["content-length"] != "15" {
		t.Errorf("HEAD: headers %v", got.Headers)
	}
	if got := check("GET", "/table", nil, 201, "made"); got.Headers["x-made"] != "yes" || got.Headers["content-length"] != "4" {
		t.Errorf("table: headers %v", got.Headers)
	}
	check("GET", "/later", nil, 200, "sent later")
	check("GET", "/onhost", map[string]string{"host": "example.com:80"}, 200, "on example.com:80")
	check("GET", "/onhost", map[string]string{"host": "other.example"}, 404,
		"Error processing request: 404 Not Found. Check your error log for more information.")
	check("GET", "/nothing", map[string]string{"host": "example.com"}, 404,
		"Error processing request: 404 Not Found. Check your error log for more information.")

	errs := tr.load(t, "errs")
	got := check("GET", "/nothing", map[string]string{"host": "example.com"}, 404, "page 404 nil false")
	if got.Headers["content-type"] != "text/plain" {
		t.Errorf("error page headers %v", got.Headers)
	}
	check("GET", "/nothing", map[string]string{"host": "other.example"}, 404, "page 404 Unknown host: other.example false")
	check("GET", "/nothing", map[string]string{"host": "vh.example"}, 404, "page 404 nil false") // an active host of the config
	check("GET", "/../x", nil, 400, "page 400 Invalid path false")
	check("GET", "/fail", nil, 500, "page 500 nil true")
	check("GET", "/err", nil, 403, "page 403 nil false nope")
	check("GET", "/promised", nil, 200, "promised")
	check("GET", "/rejected", nil, 500, "no luck")
	errs.call(errs.unloadHook) // what it hooked goes with it
	check("GET", "/nothing", map[string]string{"host": "example.com"}, 404,
		"Error processing request: 404 Not Found. Check your error log for more information.")
}

// A response that never comes is given up when the client goes, and its
// on_destroy runs in the module's state.
func TestNetHTTPServerClientGoes(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"hang": `
local server = require "net.http.server"
local destroyed = "no"
module:hook_object_event(server, "GET /hang", function(event)
	event.response.on_destroy = function(response) destroyed = "yes " .. tostring(response.finished) end
	return true
end)
function state() return destroyed end
`})
	inst := tr.load(t, "hang")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *httpserve.Response, 1)
	go func() {
		done <- tr.Runtime.httpSrv.serve(&httpserve.Request{Ctx: ctx, Host: "localhost", RawPath: "/hang", Method: "GET", Headers: map[string]string{}})
	}()
	select {
	case <-done:
		t.Fatal("answered before the client went")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if resp := <-done; resp != nil {
		t.Fatalf("a response for a client that went: %+v", resp)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := callGlobal(inst, "state")
		if err == nil && got == "yes true" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("on_destroy: %q %v", got, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
