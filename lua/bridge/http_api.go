package bridge

import (
	"net/http"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
)

// serveHTTP runs a route of moonport's own mod_http with Prosody's
// net.http.server objects and rules (http_exchange.go): event.request and
// event.response are records, the handler's result is applied as
// Prosody's server applies it (a status of 400 and more gets its page
// from the "http-error" event, which mod_http_errors renders when
// loaded), and a handler that returns true answers later with
// response:send. A route's handler may also be a string (the body) or a
// table (the response's fields), as in Prosody's mod_http.
func (inst *Instance) serveHTTP(app *httpApp, key string, r *httpserve.Request) *httpserve.Response {
	x := newExchange(r, true)
	c := httpFiring{events: inst.rt.httpSrv.events}
	var res any
	var failed error
	ok := inst.call(func() {
		c.held = inst
		ev := &httpEvent{request: x.req, response: x.resp}
		handler := app.routes.RawGetString(key)
		if _, isFn := handler.(*lua.LFunction); !isFn {
			res = fromLuaResult(inst, handler)
			return
		}
		label, ok := app.labels[key]
		if !ok {
			label = "http route " + key
		}
		out, err := inst.protect(label, handler, 1, ev.tableIn(inst), lua.LString(r.Wildcard))
		if err != nil {
			failed = err
			return
		}
		res = fromLuaResult(inst, out[0])
	})
	c.held = nil
	if !ok {
		return &httpserve.Response{Status: http.StatusServiceUnavailable, Body: []byte("503 Service Unavailable\n")}
	}
	if failed == nil {
		failed = x.applyResult(c, res)
	}
	if failed != nil {
		x.resp.set("status_code", float64(http.StatusInternalServerError))
		body, _ := c.fire("http-error", &httpEvent{fields: map[string]any{"code": float64(500), "private_message": failed.Error()}})
		text, _ := body.(string)
		x.finish(&text)
	}
	done := x.doneChan()
	select {
	case <-done: // answered at once: no need to watch the client (the
		// fast path's context starts a read on the socket when asked)
		return x.out
	default:
	}
	select {
	case <-done:
		return x.out
	case <-ctxDone(r):
		x.destroyed()
		return nil
	}
}

// ctxDone is the channel closed when the request's client goes (never,
// for a request made without a context).
func ctxDone(r *httpserve.Request) <-chan struct{} {
	if r.Ctx == nil {
		return nil
	}
	return r.Ctx.Done()
}
