package bridge

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/value"
)

// An httpExchange is one request and its response, as Prosody's
// net.http.server gives them to handlers: event.request (method, path,
// url, headers, body, ip, secure, conn, id, …) and event.response
// (status_code, headers, send, done, send_file, on_destroy, …), both
// records, so every module state on the request's way sees the same
// ones. The response is complete when send (or done) is called, by the
// handler or later (a handler that returned true answers when it is
// ready).
type httpExchange struct {
	req, resp *record
	head      bool
	once      sync.Once
	out       *httpserve.Response

	// mu guards done and finished. done is made only for a waiter that
	// comes before the answer: most handlers answer at once, and those
	// cost no channel.
	mu       sync.Mutex
	done     chan struct{}
	finished bool
}

// closedChan is the channel of every exchange answered before anyone
// waited.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// doneChan is closed once the response is complete (x.out set).
func (x *httpExchange) doneChan() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.finished {
		return closedChan
	}
	if x.done == nil {
		x.done = make(chan struct{})
	}
	return x.done
}

// markDone completes doneChan.
func (x *httpExchange) markDone() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.finished = true
	if x.done != nil {
		close(x.done)
	}
}

var exchangeIDs atomic.Uint64

// newExchange makes the records of one request; own adds moonport's
// request fields (port, query) that Prosody's net.http.server has not.
// The request's fields (and its headers, url and conn) are made when a
// module first reads one: a handler that only answers costs no map for
// them.
func newExchange(r *httpserve.Request, own bool) *httpExchange {
	x := &httpExchange{head: r.Method == http.MethodHead}
	id := exchangeIDs.Add(1)
	conn := newLazyRecord(x, httpConnMethods, func(f map[string]any) {
		f["ip"], f["port"], f["secure"] = r.IP, float64(r.Port), r.Secure
	})
	x.req = newLazyRecord(x, nil, func(f map[string]any) { fillRequest(x, r, id, conn, own, f) })
	x.resp = newRecordSized(x, responseMethods, 8)
	f := x.resp.vals // not shared yet: no lock needed
	f["request"], f["status_code"], f["headers"] = x.req, float64(200), newRecordSized(x, nil, 2)
	f["is_head_request"], f["conn"], f["persistent"] = x.head, conn, true
	return x
}

// fillRequest makes event.request's fields.
func fillRequest(x *httpExchange, r *httpserve.Request, id uint64, conn *record, own bool, f map[string]any) {
	raw := r.RawPath
	if raw == "" {
		raw = r.Path
	}
	url := newLazyRecord(x, nil, func(f map[string]any) {
		f["path"] = raw
		if r.Query != "" {
			f["query"] = r.Query
		}
	})
	headers := newLazyRecord(x, nil, func(f map[string]any) { fillHeaders(r, f) })
	f["method"], f["url"], f["headers"], f["body"] = r.Method, url, headers, string(r.Body)
	f["ip"], f["conn"], f["httpversion"], f["host"] = r.IP, conn, "1.1", requestHost(r)
	f["id"] = strconv.FormatUint(id, 36)
	if p, ok := prosodyPath(raw); ok {
		f["path"] = p
	}
	if r.Secure {
		f["secure"] = true
	}
	if own {
		f["port"] = float64(r.Port)
		if r.Query != "" {
			f["query"] = r.Query
		}
	}
}

// fillHeaders makes request.headers: names lower-case with "_" for "-",
// values of a repeated header joined with ", ", and the Host net/http
// keeps apart.
func fillHeaders(r *httpserve.Request, f map[string]any) {
	for k, v := range r.Headers {
		f[headerField(k)] = v
	}
	for k, v := range r.Header {
		f[headerField(k)] = strings.Join(v, ", ")
	}
	if r.Host != "" {
		f["host"] = r.Host
	}
}

// headerField is a header's name as a field of request.headers:
// lower-case, "-" written "_". Names already so (as the router gives
// them, bar the "-") are converted without a second copy.
func headerField(k string) string {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c == '-' || ('A' <= c && c <= 'Z') {
			return strings.ReplaceAll(strings.ToLower(k), "-", "_")
		}
	}
	return k
}

// requestHost is the request's host name without its port.
func requestHost(r *httpserve.Request) string {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return host
}

// prosodyPath is request.path as Prosody makes it from the raw path:
// runs of "/" made one, %xx decoded, a leading "/"; a path that climbs
// above the root ("/../x") has none.
func prosodyPath(raw string) (string, bool) {
	for strings.Contains(raw, "//") {
		raw = strings.ReplaceAll(raw, "//", "/")
	}
	p := percentDecode(raw)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	level := 0
	parts := strings.Split(p, "/")
	for _, c := range parts[:len(parts)-1] { // components followed by "/"
		switch c {
		case "", ".":
			continue
		case "..":
			level--
		default:
			level++
		}
		if level < 0 {
			return "", false
		}
	}
	return p, true
}

// percentDecode decodes each %xx, leaving anything else as it is.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// responseMethods are event.response's methods.
var responseMethods = map[string]lua.LGFunction{
	"send":          responseSend,
	"done":          responseDone,
	"finish":        responseDone,
	"send_file":     responseSendFile,
	"write_headers": func(*lua.LState) int { return 0 }, // headers go out with the body
}

// httpConnMethods are request.conn's: a connection's ip, port and ssl, as on
// Prosody's connection objects.
var httpConnMethods = map[string]lua.LGFunction{
	"ip":         func(L *lua.LState) int { L.Push(lua.LString(selfRecord(L).str("ip"))); return 1 },
	"clientport": func(L *lua.LState) int { L.Push(toLuaIn(instanceOfCall(L), selfRecord(L).get("port"))); return 1 },
	"ssl":        func(L *lua.LState) int { L.Push(lua.LBool(selfRecord(L).get("secure") == true)); return 1 },
}

// instanceOfCall is the instance whose state runs the calling code: the
// proxy's own upvalue is not at hand in a method, so it is looked up
// through the state's registry of instances.
func instanceOfCall(L *lua.LState) *Instance {
	if obj, ok := portableOf(L, L.Get(1)); ok {
		if r, ok := obj.(*record); ok {
			r.mu.Lock()
			defer r.mu.Unlock()
			var found *Instance
			r.proxies.each(func(inst *Instance) bool {
				if inst.L == L || inst.L == L.Parent {
					found = inst
				}
				return found == nil
			})
			return found
		}
	}
	return nil
}

// responseSend is response:send(body): the response goes out with body
// (else response.body, else empty), and a Content-Length as Prosody sets
// it (not for 1xx and 204).
func responseSend(L *lua.LState) int {
	r := selfRecord(L)
	x := r.owner.(*httpExchange)
	body := ""
	switch b := L.Get(2).(type) {
	case lua.LString:
		body = string(b)
	case *lua.LNilType:
		if s, ok := r.get("body").(string); ok {
			body = s
		}
	default:
		body = L.ToStringMeta(b).String()
	}
	x.finish(&body)
	return 0
}

// responseDone is response:done(): the response ends (with whatever was
// sent; nothing sent yet means an empty body).
func responseDone(L *lua.LState) int {
	selfRecord(L).owner.(*httpExchange).finish(nil)
	return 0
}

// responseSendFile is response:send_file(f): the rest of file f is the
// body.
func responseSendFile(L *lua.LState) int {
	r := selfRecord(L)
	f := L.Get(2)
	var body string
	if !r.owner.(*httpExchange).head {
		L.Push(L.GetField(f, "read"))
		L.Push(f)
		L.Push(lua.LString("*a"))
		L.Call(2, 1)
		body = L.ToStringMeta(L.Get(-1)).String()
		L.Pop(1)
	}
	if closer := L.GetField(f, "close"); closer != lua.LNil {
		L.Push(closer)
		L.Push(f)
		L.Call(1, 0)
	}
	r.owner.(*httpExchange).finish(&body)
	L.Push(lua.LTrue)
	return 1
}

// finish completes the response once: its status, headers and body.
func (x *httpExchange) finish(body *string) { x.complete(body, false) }

// complete sends the response once; bare is for a handler's Lua error,
// answered as httpserve.Response.Bare says.
func (x *httpExchange) complete(body *string, bare bool) {
	x.once.Do(func() {
		status := 200
		if n, ok := x.resp.get("status_code").(float64); ok {
			status = int(n)
		}
		headers, ok := x.resp.get("headers").(*record)
		if !ok { // replaced by something else: start again
			headers = newRecord(x, nil)
			x.resp.set("headers", headers)
		}
		if body != nil && status > 199 && status != 204 {
			headers.set("content_length", strconv.Itoa(len(*body)))
		}
		out := &httpserve.Response{Status: status, Exact: true, Bare: bare}
		headers.mu.Lock()
		vals := headers.filled()
		out.Headers = make(map[string]string, len(vals))
		for k, v := range vals {
			out.Headers[headerOut(k)] = luaValueText(v)
		}
		headers.mu.Unlock()
		if body != nil && !x.head {
			out.Body = []byte(*body)
		}
		x.out = out
		x.resp.set("finished", true)
		x.markDone()
		x.destroyed()
	})
}

// headerOut is a response.headers field as a header name ("_" written
// "-"); the common ones are constants, not a new string per response.
func headerOut(k string) string {
	switch k {
	case "content_type":
		return "content-type"
	case "content_length":
		return "content-length"
	}
	return strings.ReplaceAll(k, "_", "-")
}

// destroyed runs response.on_destroy, if a module set it, in that
// module's state (posted: the caller may hold another state, or this one).
func (x *httpExchange) destroyed() {
	l, ok := x.resp.get("on_destroy").(local)
	if !ok {
		return
	}
	x.resp.set("on_destroy", nil)
	l.inst.post(func() { _, _ = l.inst.protect("response.on_destroy", l.v, 0, x.resp.proxyIn(l.inst)) })
}

// luaValueText is a field value as Lua's tostring writes it.
func luaValueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return lua.LNumber(x).String()
	default:
		return fmt.Sprint(x)
	}
}

// applyResult does what Prosody's server does with a handler's result:
// nil is 404, a number the status (an error page from "http-error" for
// 400 and above), a string the body, a table fields of the response, an
// error object or a promise as http_results.go says; true means the
// handler answers later.
func (x *httpExchange) applyResult(c httpFiring, res any) error {
	if res == nil {
		res = float64(404)
	}
	var body any
	switch v := res.(type) {
	case bool:
		if v {
			return nil
		}
	case float64:
		x.resp.set("status_code", v)
		if v >= 400 {
			var err error
			if body, err = c.fire("http-error", &httpEvent{request: x.req, response: x.resp, fields: map[string]any{"code": v}}); err != nil {
				return err
			}
		}
	case string:
		body = v
	case *value.Table:
		x.applyTable(v)
	case httpError:
		return x.applyError(c, v)
	case httpPromise:
		return x.applyPromise(c, v)
	}
	s, ok := body.(string)
	if !ok {
		s, _ = x.resp.get("body").(string)
	}
	x.finish(&s)
	return nil
}

// applyTable copies a returned table's fields into the response, its
// headers one by one.
func (x *httpExchange) applyTable(t *value.Table) {
	for k, v := range t.Hash {
		name, ok := k.(string)
		if !ok {
			continue
		}
		if name != "headers" {
			x.resp.set(name, plainField(v))
			continue
		}
		h, ok := v.(*value.Table)
		headers, isRec := x.resp.get("headers").(*record)
		if !ok || !isRec {
			continue
		}
		for hk, hv := range h.Hash {
			if hn, ok := hk.(string); ok {
				headers.set(hn, plainField(hv))
			}
		}
	}
}

// plainField keeps the values a record holds for every state; others
// (nested tables of a returned table) are dropped.
func plainField(v any) any {
	switch v.(type) {
	case string, float64, bool:
		return v
	}
	return nil
}
