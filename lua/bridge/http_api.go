package bridge

import (
	"net/http"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
)

// The objects an HTTP route's handler gets, as in Prosody's net.http.server:
// event.request (a table of the request's fields) and event.response
// (status_code, headers, body, and the methods in responseMethods).

// serveHTTP runs a route's handler: event.request and event.response as
// in Prosody; the handler may return a status, a body string or a
// response table, or fill event.response (or call its send).
func (inst *Instance) serveHTTP(app *httpApp, key string, r *httpserve.Request) *httpserve.Response {
	var resp *httpserve.Response
	ok := inst.call(func() {
		L := inst.L
		fn := app.routes.RawGetString(key)
		res := inst.newResponse()
		event := L.NewTable()
		event.RawSetString("request", newRequest(L, r))
		event.RawSetString("response", res)
		out, err := inst.protect("http route "+key, fn, 1, event, lua.LString(r.Wildcard))
		if err != nil {
			resp = &httpserve.Response{Status: http.StatusInternalServerError, Body: []byte("500 Internal Server Error\n")}
			return
		}
		resp = responseOf(res, out[0])
	})
	if !ok {
		return &httpserve.Response{Status: http.StatusServiceUnavailable, Body: []byte("503 Service Unavailable\n")}
	}
	return resp
}

// newRequest is event.request: the request's fields; header names have
// "_" for "-" (Prosody's "content_type").
func newRequest(L *lua.LState, r *httpserve.Request) *lua.LTable {
	req := L.CreateTable(0, 8)
	req.RawSetString("method", lua.LString(r.Method))
	req.RawSetString("path", lua.LString(r.Path))
	req.RawSetString("query", lua.LString(r.Query))
	req.RawSetString("body", lua.LString(r.Body))
	req.RawSetString("ip", lua.LString(r.IP))
	req.RawSetString("port", lua.LNumber(r.Port))
	req.RawSetString("secure", lua.LBool(r.Secure))
	headers := L.CreateTable(0, len(r.Headers))
	for k, v := range r.Headers {
		headers.RawSetString(strings.ReplaceAll(k, "-", "_"), lua.LString(v))
	}
	req.RawSetString("headers", headers)
	return req
}

// responseMethods are the functions on event.response.
var responseMethods = map[string]lua.LGFunction{
	"send": responseSend,
}

// newResponse is event.response: status 200, no headers, and the
// methods, made once per state and shared by every response.
func (inst *Instance) newResponse() *lua.LTable {
	L := inst.L
	if inst.httpResponse == nil {
		inst.httpResponse = L.SetFuncs(L.NewTable(), responseMethods)
	}
	res := L.CreateTable(0, 4)
	res.RawSetString("status_code", lua.LNumber(200))
	res.RawSetString("headers", L.CreateTable(0, 2))
	inst.httpResponse.ForEach(func(name, fn lua.LValue) { res.RawSet(name, fn) })
	return res
}

// responseSend is response:send(body): the body to send.
func responseSend(L *lua.LState) int {
	L.CheckTable(1).RawSetString("body", L.Get(2))
	L.Push(lua.LTrue)
	return 1
}

func responseOf(res *lua.LTable, ret lua.LValue) *httpserve.Response {
	out := &httpserve.Response{Headers: map[string]string{}}
	apply := func(t *lua.LTable) {
		if n, ok := t.RawGetString("status_code").(lua.LNumber); ok {
			out.Status = int(n)
		}
		if h, ok := t.RawGetString("headers").(*lua.LTable); ok {
			h.ForEach(func(k, v lua.LValue) { out.Headers[strings.ReplaceAll(k.String(), "_", "-")] = v.String() })
		}
		if b := t.RawGetString("body"); b != lua.LNil {
			out.Body = []byte(b.String())
		}
	}
	apply(res)
	switch x := ret.(type) {
	case lua.LNumber:
		out.Status = int(x)
		if out.Body == nil {
			out.Body = []byte(http.StatusText(int(x)) + "\n")
		}
	case lua.LString:
		out.Body = []byte(string(x))
	case *lua.LTable:
		apply(x)
	}
	return out
}
