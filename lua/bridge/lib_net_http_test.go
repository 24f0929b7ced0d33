package bridge

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// The codecs against Prosody's own (util.http, which net.http re-exports).
var httpCodecCases = []string{
	`local h = require(HTTPLIB)
	return table.concat({ h.urlencode("a b&c=d/é~._-"), h.urldecode("a%20b%2Fc%2fd%aBz%zz%4"), tostring(h.urlencode(nil)),
		h.formencode({ { name = "q", value = "a b+c" }, { name = "x y", value = "&=" } }), h.formencode({ only = "one two" }) }, "|")`,
	`local h = require(HTTPLIB)
	local f = h.formdecode("a=1&b=x+y%21&&c=&=e&d=f=g&skip&h")
	local out = {}
	for i, field in ipairs(f) do out[#out + 1] = i .. ":" .. field.name .. "=" .. field.value end
	return table.concat(out, ",") .. " " .. f.a .. f.b .. f.d .. " " .. h.formdecode("no+equals%20here")`,
}

func TestNetHTTPCodecProsody(t *testing.T) {
	with := func(lib string) []string {
		out := make([]string, len(httpCodecCases))
		for i, c := range httpCodecCases {
			out[i] = `local HTTPLIB = "` + lib + `"` + "\n" + c
		}
		return out
	}
	expectCases(t, with("net.http"), testenv.ProsodyLuaCases(t, with("util.http")...))
}

// httpEchoServer is a server on 127.0.0.1 that answers what it got, redirects
// /moved, and holds /slow until the test ends.
func httpEchoServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		case "/slow":
			<-release
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "%s %s ct=%s x=%s ua=%t body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"),
			r.Header.Get("X-Custom"), r.Header.Get("User-Agent") != "", body)
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// A port nothing listens on.
func refusedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

const httpClientModule = `
local http = require "net.http"
results = {}
local function note(key, ...)
	local t = {}
	for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
	results[key] = table.concat(t, " ")
end
function start(base, refused)
	local req = http.request(base .. "/get?q=1", nil, function(body, code, response, request)
		note("get", code, body, response.headers["x-echo"], response.headers["x-multi"], response.httpversion, request.method, request.path, request.query)
	end)
	note("req", req.host, req.scheme, req.path)
	http.request(base .. "/post", { body = "a=1" }, function(body, code) note("post", code, body) end)
	http.request(base .. "/put", { method = "PUT", body = "{}", headers = { ["Content-Type"] = "application/json", ["X-Custom"] = "c" } },
		function(body, code) note("put", code, body) end)
	http.request(base .. "/moved", nil, function(body, code, response) note("moved", code, response.headers.location) end)
	http.request("http://127.0.0.1:" .. refused .. "/", nil, function(reason, code, request) note("refused", reason, code, request.port) end)
	note("invalid", http.request("not a url", nil, function(reason, code) note("invalid_cb", reason, code) end))
	http.request(base .. "/promised"):next(function(response) note("promise", response.code, response.body, response.request.path) end)
	http.request("http://127.0.0.1:" .. refused .. "/"):catch(function(e) note("rejected", e.condition, tostring(e), e.context.request.port) end)
	local slow = http.request(base .. "/slow", nil, function(reason, code) note("destroyed", reason, code) end)
	http.destroy_request(slow)
	local client = http.new({ custom = true })
	client.events.add_handler("pre-request", function(event) event.url = base .. "/rewritten" end)
	client:request(base .. "/original", nil, function(body, code) note("events", body, client.options.custom) end)
	note("derived", client.new({ more = 1 }).options.custom, client.new({ more = 1 }).options.more)
end
function start_tls(base)
	http.request(base .. "/tls", nil, function(reason, code) note("untrusted", reason, code) end)
	http.request(base .. "/tls", { insecure = true }, function(body, code) note("insecure", code, body) end)
end
function start_failing(base)
	http.request(base .. "/first", nil, function() error("callback broke") end)
	http.request(base .. "/second", nil, function(body, code) note("after", code) end)
end
function show(key) return results[key] or "" end
`

// net.http against a Go server on 127.0.0.1: callbacks and promises get
// the responses and failures on the module's loop, with Prosody's shapes.
func TestNetHTTPClient(t *testing.T) {
	srv := httpEchoServer(t)
	refused := refusedPort(t)
	inst := newTestRuntime(t, "", map[string]string{"client": httpClientModule}).load(t, "client")
	if _, err := callGlobal(inst, "start", srv.URL, refused); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"req":        "127.0.0.1 http /get",
		"get":        "201 GET /get?q=1 ct= x= ua=true body= yes a, b 1.1 GET /get q=1",
		"post":       "201 POST /post ct=application/x-www-form-urlencoded x= ua=true body=a=1",
		"put":        "201 PUT /put ct=application/json x=c ua=true body={}",
		"moved":      "302 /elsewhere",
		"refused":    fmt.Sprintf("connection refused 0 %d", refused),
		"invalid":    "nil invalid-url",
		"invalid_cb": "invalid-url 0",
		"promise":    "201 GET /promised ct= x= ua=true body= /promised",
		"rejected":   fmt.Sprintf("connection refused connection refused %d", refused),
		"destroyed":  "cancelled 0",
		"events":     "GET /rewritten ct= x= ua=true body= true",
		"derived":    "true 1",
	}
	for key, w := range want {
		waitShow(t, inst, key, w)
	}
}

// waitShow calls the module's show(key) until it returns want.
func waitShow(t *testing.T, inst *Instance, key, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := callGlobal(inst, "show", key)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q %v, want %q", key, got, err, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// https: a certificate the system does not trust fails with Prosody's
// reason, unless the request says insecure.
func TestNetHTTPClientTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s over %s", r.URL.Path, r.Proto)
	}))
	t.Cleanup(srv.Close)
	inst := newTestRuntime(t, "", map[string]string{"client": httpClientModule}).load(t, "client")
	if _, err := callGlobal(inst, "start_tls", srv.URL); err != nil {
		t.Fatal(err)
	}
	waitShow(t, inst, "untrusted", "certificate-verify-failed 0")
	waitShow(t, inst, "insecure", "200 /tls over HTTP/1.1")
}

// An error in a callback is logged with its place; the module goes on.
func TestNetHTTPCallbackError(t *testing.T) {
	srv := httpEchoServer(t)
	tr := newTestRuntime(t, "", map[string]string{"client": httpClientModule})
	inst := tr.load(t, "client")
	if _, err := callGlobal(inst, "start_failing", srv.URL); err != nil {
		t.Fatal(err)
	}
	waitShow(t, inst, "after", "201")
	tr.log.wait(t, "error in net.http callback", "callback broke")
}
