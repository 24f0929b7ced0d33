package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
)

// Results of an HTTP handler beyond plain values, as Prosody's
// net.http.server takes them: a util.error object (its code is the
// status, 500 without one, and the "http-error" event gets it as
// event.error) and a util.promise (the response follows from what it
// settles with; a rejection is a 500 with the reason as the result).

// httpError is a util.error object a handler returned: its plain fields.
type httpError struct {
	code   float64
	fields *value.Table
}

// httpPromise is a util.promise a handler returned, in its own state.
type httpPromise struct {
	inst *Instance
	p    *lua.LTable
}

// specialResult recognises an error object or a promise by its
// metatable's __name, as both libraries (Prosody's and moonport's) name
// them.
func specialResult(inst *Instance, t *lua.LTable) (any, bool) {
	mt, ok := inst.L.GetMetatable(t).(*lua.LTable)
	if !ok {
		return nil, false
	}
	switch mt.RawGetString("__name") {
	case lua.LString("promise"):
		return httpPromise{inst: inst, p: t}, true
	case lua.LString("error"):
		e := httpError{code: 500, fields: &value.Table{Hash: map[any]any{}}}
		t.ForEach(func(k, v lua.LValue) {
			if name, ok := k.(lua.LString); ok {
				if f := plainField(fromLuaResult(inst, v)); f != nil {
					e.fields.Hash[string(name)] = f
				}
			}
		})
		if n, ok := e.fields.Hash["code"].(float64); ok {
			e.code = n
		}
		return e, true
	}
	return nil, false
}

// applyError answers with an error object's code and the "http-error"
// page made with it.
func (x *httpExchange) applyError(c httpFiring, e httpError) error {
	x.resp.set("status_code", e.code)
	body, err := c.fire("http-error", &httpEvent{request: x.req, response: x.resp,
		fields: map[string]any{"code": e.code, "error": e.fields}})
	if err != nil {
		return err
	}
	s, _ := body.(string)
	x.finish(&s)
	return nil
}

// applyPromise answers once the promise settles: p:next(ok, fail) in the
// promise's state.
func (x *httpExchange) applyPromise(c httpFiring, pr httpPromise) error {
	inst := pr.inst
	settle := func(rejected bool) *lua.LFunction {
		return inst.L.NewFunction(func(L *lua.LState) int {
			res := fromLuaResult(inst, L.Get(1))
			if rejected {
				x.resp.set("status_code", float64(500))
				if res == nil {
					res = float64(500)
				}
			}
			next := httpFiring{events: c.events, held: inst}
			if err := x.applyResult(next, res); err != nil {
				L.RaiseError("%v", err)
			}
			return 0
		})
	}
	var err error
	attach := func() {
		_, err = inst.protect("promise of an HTTP handler", inst.L.GetField(pr.p, "next"), 0, pr.p, settle(false), settle(true))
	}
	if cerr := c.on(inst, attach); cerr != nil {
		return cerr
	}
	return err
}
