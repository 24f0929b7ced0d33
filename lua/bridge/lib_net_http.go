package bridge

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// net.http is Prosody's HTTP client on Go's net/http. The request runs on
// a goroutine of its own; its callback runs on the module's loop (posted
// to the instance's executor), as every other event. The API around it
// (new, the promise form, events) is Lua (lib_net_http.lua), given the Go
// functions below as its argument.

//go:embed lib_net_http.lua
var netHTTPSource string

func init() { registerLibrary("net.http", openNetHTTP) }

var (
	netHTTPOnce  sync.Once
	netHTTPProto *lua.FunctionProto
)

// openNetHTTP runs lib_net_http.lua with this state's core functions.
func openNetHTTP(inst *Instance) lua.LValue {
	netHTTPOnce.Do(func() { netHTTPProto = compileLibrary("net.http", netHTTPSource) })
	L := inst.L
	core := L.SetFuncs(L.NewTable(), httpCoreFuncs, inst.ud)
	L.Push(L.NewFunctionFromProto(netHTTPProto))
	L.Push(core)
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	return v
}

var httpCoreFuncs = map[string]lua.LGFunction{
	"request":         httpRequest,
	"destroy_request": httpDestroyRequest,
	"urlencode":       httpURLEncode,
	"urldecode":       httpURLDecode,
	"formencode":      httpFormEncode,
	"formdecode":      httpFormDecode,
}

// httpMaxBody bounds a response body held in memory.
const httpMaxBody = 64 << 20

// httpCall is a request on its way; cancel ends it, and after destroy
// (or delivery) its callback is nil.
type httpCall struct {
	cancel   context.CancelFunc
	callback lua.LValue
}

// httpCallKey is the field of a request table holding its call.
const httpCallKey = "_moonport_call"

// httpRequest is core.request(url, options, callback): starts the request
// and returns its table (url, scheme, host, port, path, query, method,
// headers, body, id), or calls callback(reason, 0) and returns nil,
// reason: "invalid-url", or the refusal of a check's dialer.
func httpRequest(L *lua.LState) int {
	inst := instanceOf(L)
	raw := L.CheckString(1)
	ex, _ := L.Get(2).(*lua.LTable)
	callback := L.CheckFunction(3)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return httpFailNow(L, callback, "invalid-url")
	}
	if err := inst.outgoing("net.http request", u.Redacted()); err != nil {
		return httpFailNow(L, callback, err.Error())
	}
	hreq, insecure := buildHTTPRequest(L, u, ex)
	ctx, cancel := context.WithCancel(inst.rt.ctx)
	call := &httpCall{cancel: cancel, callback: callback}
	req := httpRequestTable(L, u, hreq, ex, call)
	inst.rt.background(func() {
		defer cancel()
		client := inst.rt.dialer.http[0]
		if insecure {
			client = inst.rt.dialer.http[1]
		}
		resp, body, err := doHTTP(client, hreq.WithContext(ctx))
		inst.post(func() { deliverHTTP(inst, call, req, resp, body, err) })
	})
	L.Push(req)
	return 1
}

// httpFailNow ends a request that cannot start, as Prosody's does an
// invalid URL: callback(reason, 0), then nil and reason.
func httpFailNow(L *lua.LState, callback *lua.LFunction, reason string) int {
	L.Push(callback)
	L.Push(lua.LString(reason))
	L.Push(lua.LNumber(0))
	L.Call(2, 0)
	L.Push(lua.LNil)
	L.Push(lua.LString(reason))
	return 2
}

// buildHTTPRequest makes the Go request: GET, or POST with a body (as a
// form unless the headers say otherwise), options.method and
// options.headers over that.
func buildHTTPRequest(L *lua.LState, u *url.URL, ex *lua.LTable) (*http.Request, bool) {
	method, body := "GET", ""
	header := http.Header{"User-Agent": {"moonport"}}
	insecure := false
	if ex != nil {
		if b, ok := ex.RawGetString("body").(lua.LString); ok {
			method, body = "POST", string(b)
			header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if m, ok := ex.RawGetString("method").(lua.LString); ok {
			method = strings.ToUpper(string(m))
		}
		if h, ok := ex.RawGetString("headers").(*lua.LTable); ok {
			h.ForEach(func(k, v lua.LValue) { header.Set(lua.LVAsString(k), lua.LVAsString(v)) })
		}
		insecure = lua.LVAsBool(ex.RawGetString("insecure"))
	}
	hreq, err := http.NewRequest(method, u.String(), strings.NewReader(body))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	if body == "" && method == "GET" {
		hreq.Body, hreq.ContentLength = http.NoBody, 0
	}
	if host := header.Get("Host"); host != "" {
		hreq.Host = host
	}
	hreq.Header = header
	return hreq, insecure
}

// httpRequestTable is the request as modules see it (Prosody's request
// object), holding the call for destroy_request.
func httpRequestTable(L *lua.LState, u *url.URL, hreq *http.Request, ex *lua.LTable, call *httpCall) *lua.LTable {
	req := L.NewTable()
	set := func(k, v string) {
		if v != "" {
			req.RawSetString(k, lua.LString(v))
		}
	}
	set("url", u.String())
	set("scheme", u.Scheme)
	set("host", u.Hostname())
	set("port", u.Port())
	set("path", u.EscapedPath())
	if u.EscapedPath() == "" {
		set("path", "/")
	}
	set("query", u.RawQuery)
	set("method", hreq.Method)
	headers := L.NewTable()
	for k := range hreq.Header {
		headers.RawSetString(k, lua.LString(hreq.Header.Get(k)))
	}
	req.RawSetString("headers", headers)
	id := lua.LValue(lua.LString(strconv.FormatUint(uint64(time.Now().UnixNano()), 16)))
	if ex != nil {
		req.RawSetString("body", ex.RawGetString("body"))
		if v := ex.RawGetString("id"); v != lua.LNil {
			id = v
		}
	}
	req.RawSetString("id", id)
	req.RawSetString("time", lua.LNumber(time.Now().Unix()))
	ud := L.NewUserData()
	ud.Value = call
	req.RawSetString(httpCallKey, ud)
	return req
}

// doHTTP sends the request and reads the response body.
func doHTTP(client *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, httpMaxBody+1))
	if err == nil && len(body) > httpMaxBody {
		err = errors.New("response too large")
	}
	return resp, body, err
}

// deliverHTTP calls the request's callback on the module's loop:
// (body, code, response, request), or (reason, 0, request).
func deliverHTTP(inst *Instance, call *httpCall, req *lua.LTable, resp *http.Response, body []byte, err error) {
	cb := call.callback
	if cb == nil {
		return
	}
	call.callback = nil
	req.RawSetString(httpCallKey, lua.LNil)
	if err != nil {
		inst.protect("net.http callback", cb, 0, lua.LString(httpErrorReason(err)), lua.LNumber(0), req)
		return
	}
	L := inst.L
	r := L.NewTable()
	r.RawSetString("code", lua.LNumber(resp.StatusCode))
	r.RawSetString("body", lua.LString(body))
	version := lua.LString(strconv.Itoa(resp.ProtoMajor) + "." + strconv.Itoa(resp.ProtoMinor))
	r.RawSetString("httpversion", version)
	r.RawSetString("responseversion", version)
	r.RawSetString("status", lua.LString(strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))))
	headers := L.NewTable()
	for k, v := range resp.Header {
		headers.RawSetString(strings.ToLower(k), lua.LString(strings.Join(v, ", ")))
	}
	r.RawSetString("headers", headers)
	r.RawSetString("responseheaders", headers)
	inst.protect("net.http callback", cb, 0, lua.LString(body), lua.LNumber(resp.StatusCode), r, req)
}

// httpErrorReason is the reason a failed request gives its callback.
func httpErrorReason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, &dnsErr):
		return "no such host: " + dnsErr.Name
	}
	var tlsErr *tls.CertificateVerificationError
	if errors.As(err, &tlsErr) {
		return "certificate-verify-failed"
	}
	return err.Error()
}

// httpDestroyRequest is destroy_request(request): the request is dropped
// and its callback gets ("cancelled", 0, request) now, unless it ran.
func httpDestroyRequest(L *lua.LState) int {
	req := L.CheckTable(1)
	ud, ok := req.RawGetString(httpCallKey).(*lua.LUserData)
	if !ok {
		return 0
	}
	call := ud.Value.(*httpCall)
	call.cancel()
	deliverHTTP(instanceOf(L), call, req, nil, nil, context.Canceled)
	return 0
}
