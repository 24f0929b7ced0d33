package bridge

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/moonport/moonport/host/httpserve"
)

const routesModule = `
module:provides("http", { route = {
	["GET /echo/*"] = function(event, rest)
		local r = event.request
		return table.concat({ r.method, r.path, r.query, r.body, r.ip, r.port, tostring(r.secure), r.headers.content_type, rest }, " ")
	end;
	["GET /status"] = function() return 404 end;
	["GET /table"] = function() return { status_code = 201, headers = { x_thing = "yes" }, body = "made" } end;
	["GET /fill"] = function(event)
		event.response.status_code = 202
		event.response.headers.content_type = "text/plain"
		event.response:send("sent")
	end;
	["GET /fail"] = function() error("broken") end;
	["GET /static"] = { status_code = 202, headers = { content_type = "text/plain" }, body = "static" };
	["GET /str"] = "a string";
	["GET /pairs"] = function(event)
		event.response.headers.x_set = "by-module"
		local seen = {}
		for k, v in pairs(event.request.headers) do seen[#seen + 1] = "req." .. k .. "=" .. v end
		for k, v in pairs(event.response.headers) do seen[#seen + 1] = "resp." .. k .. "=" .. v end
		for k, v in pairs(event.request) do if k == "method" or k == "path" then seen[#seen + 1] = k .. "=" .. v end end
		for k, v in pairs(event.response) do if k == "send" then seen[#seen + 1] = "send:" .. type(v) end end
		table.sort(seen)
		return table.concat(seen, " ")
	end;
	GET = function(event)
		local r = event.request
		return table.concat({ "base", r.url.path, tostring(r.url.query), r.conn:ip(), type(r.id), tostring(r.headers.host) }, " ")
	end;
}})
`

// A route's handler gets event.request and event.response as in
// Prosody, and answers with a status, a body, a table or by filling the
// response; a route may be a static table or a string, and a method alone
// is the base path; an error is a 500, a stopped module a 503.
func TestHTTPObjects(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"routes": routesModule, "http": ""})
	inst := tr.load(t, "routes")
	app := inst.http[0]
	serve := func(key string, r *httpserve.Request) *httpserve.Response {
		if r == nil {
			r = &httpserve.Request{Method: "GET"}
		}
		return inst.serveHTTP(app, key, r)
	}
	req := &httpserve.Request{Method: "GET", Path: "/echo/a/b", Query: "q=1", Body: []byte("body"), IP: "192.0.2.1", Port: 4000,
		Secure: true, Headers: map[string]string{"content-type": "text/x"}, Wildcard: "a/b"}
	if got := serve("GET /echo/*", req); got.Status != 200 || string(got.Body) != "GET /echo/a/b q=1 body 192.0.2.1 4000 true text/x a/b" {
		t.Errorf("echo: %d %q", got.Status, got.Body)
	}
	if got := serve("GET /status", nil); got.Status != 404 || string(got.Body) != "Error processing request: 404 Not Found. Check your error log for more information." {
		t.Errorf("a status: %d %q", got.Status, got.Body)
	}
	if got := serve("GET /table", nil); got.Status != 201 || got.Headers["x-thing"] != "yes" || string(got.Body) != "made" {
		t.Errorf("a table: %+v", got)
	}
	if got := serve("GET /fill", nil); got.Status != 202 || got.Headers["content-type"] != "text/plain" || string(got.Body) != "sent" {
		t.Errorf("a filled response: %+v", got)
	}
	if got := serve("GET /fail", nil); got.Status != 500 {
		t.Errorf("an error: %+v", got)
	}
	if got := serve("GET /static", nil); got.Status != 202 || got.Headers["content-type"] != "text/plain" || string(got.Body) != "static" {
		t.Errorf("a static table: %+v", got)
	}
	if got := serve("GET /str", nil); got.Status != 200 || string(got.Body) != "a string" {
		t.Errorf("a string: %+v", got)
	}
	// pairs over the request, the response and their headers, as over
	// Prosody's plain tables (fields set by the module included).
	hdrs := &httpserve.Request{Method: "GET", Path: "/pairs", Headers: map[string]string{"x-a": "1", "user-agent": "t"}}
	if got := serve("GET /pairs", hdrs); string(got.Body) != "method=GET path=/pairs req.user_agent=t req.x_a=1 resp.x_set=by-module send:function" {
		t.Errorf("pairs: %q", got.Body)
	}
	base := &httpserve.Request{Method: "GET", Path: "/routes", RawPath: "/routes", Query: "a=1", IP: "192.0.2.9", Host: "h.example"}
	if got := serve("GET", base); string(got.Body) != "base /routes a=1 192.0.2.9 string h.example" {
		t.Errorf("the base path: %+v", got)
	}
	inst.stop()
	if got := serve("GET /status", nil); got.Status != 503 {
		t.Errorf("a stopped module: %+v", got)
	}
}

// keptModule keeps each request and reads it after the answer.
const keptModule = `
kept = {}
module:provides("http", { route = {
	["GET /keep"] = function(event) kept[#kept + 1] = event.request; return "kept" end;
}})
function describe(i)
	local r = kept[i]
	return table.concat({ r.method, r.path, r.url.path, tostring(r.url.query), r.headers.user_agent, r.headers.x_many,
		r.headers.host, r.conn:ip(), tostring(r.port), r.id ~= kept[i % 2 + 1].id and "own-id" or "same-id" }, " ")
end
`

// TestHTTPRequestReadLater: a request's fields (made when first read)
// are its own when a module reads them after the answer, after later
// requests went by (issue 18's lazy records).
func TestHTTPRequestReadLater(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"kept": keptModule, "http": ""})
	inst := tr.load(t, "kept")
	for i, ua := range []string{"first", "second"} {
		r := &httpserve.Request{Method: "GET", Path: "/kept/keep", Query: fmt.Sprintf("n=%d", i), Host: "h:80", IP: "192.0.2.1", Port: 4000 + i,
			Header: http.Header{"User-Agent": {ua}, "X-Many": {"a", "b"}}}
		if got := inst.serveHTTP(inst.http[0], "GET /keep", r); string(got.Body) != "kept" {
			t.Fatalf("request %d: %+v", i, got)
		}
	}
	for i, want := range []string{
		"GET /kept/keep /kept/keep n=0 first a, b h:80 192.0.2.1 4000 own-id",
		"GET /kept/keep /kept/keep n=1 second a, b h:80 192.0.2.1 4001 own-id",
	} {
		if got, err := callGlobal(inst, "describe", float64(i+1)); err != nil || got != want {
			t.Errorf("request %d read later: %q, %v; want %q", i+1, got, err, want)
		}
	}
}

// A record's method is one function per state, as Prosody's come from
// one metatable: reading it twice gives the same function, and it still
// works on its own record.
func TestHTTPMethodsShared(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"m": `
module:provides("http", { route = {
	["GET /same"] = function(event)
		local r = event.response
		r:send(tostring(r.send == r.send) .. " " .. tostring(r.send ~= r.done) .. " " .. event.request.conn:ip())
	end;
}})
`, "http": ""})
	inst := tr.load(t, "m")
	for i := 0; i < 2; i++ {
		got := inst.serveHTTP(inst.http[0], "GET /same", &httpserve.Request{Method: "GET", IP: "192.0.2.7"})
		if got.Status != 200 || string(got.Body) != "true true 192.0.2.7" {
			t.Fatalf("request %d: %d %q", i, got.Status, got.Body)
		}
	}
}
