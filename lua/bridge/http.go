package bridge

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
)

// httpApp is what module:provides("http", …) registered.
type httpApp struct {
	defaultPath string
	routes      *lua.LTable
}

// addHTTP registers an http item and makes sure mod_http (which provides
// the http and https services) is loaded, as module:depends("http") would.
func (inst *Instance) addHTTP(item *lua.LTable) error {
	routes, ok := item.RawGetString("route").(*lua.LTable)
	if !ok {
		return fmt.Errorf("an http item needs a route table")
	}
	app := &httpApp{routes: routes}
	if p, ok := item.RawGetString("default_path").(lua.LString); ok {
		app.defaultPath = string(p)
	}
	var bad error
	routes.ForEach(func(k, v lua.LValue) {
		if _, _, _, err := httpserve.ParsePattern(k.String()); err != nil && bad == nil {
			bad = err
		}
		if _, isFn := v.(*lua.LFunction); !isFn && bad == nil {
			bad = fmt.Errorf("route %q: the handler must be a function", k.String())
		}
	})
	if bad != nil {
		return bad
	}
	w, err := inst.workers(inst.Name, item.RawGetString("workers"))
	if err != nil {
		return err
	}
	if w > inst.httpWorkers {
		inst.httpWorkers = w
	}
	inst.http = append(inst.http, app)
	if inst.Name != "http" {
		dep, err := inst.rt.Load("http", "*")
		if err != nil {
			return err
		}
		dep.viaDepends = true
	}
	return nil
}

// HTTPApps lists the routes of every active module, mounted at
// http_paths[module], else the item's default_path, else /module.
func (rt *Runtime) HTTPApps() []httpserve.App {
	var apps []httpserve.App
	for _, inst := range rt.Instances() {
		if inst.copyOf != nil {
			continue
		}
		for _, app := range inst.http {
			apps = append(apps, inst.appOf(app))
		}
	}
	return apps
}

func (inst *Instance) appOf(app *httpApp) httpserve.App {
	mount := "/" + inst.Name
	if app.defaultPath != "" {
		mount = app.defaultPath
	}
	if p, ok := inst.snap.Load().Options.HTTP.Paths[inst.Name]; ok {
		mount = p
	}
	if !strings.HasPrefix(mount, "/") {
		mount = "/" + mount
	}
	if len(mount) > 1 {
		mount = strings.TrimSuffix(mount, "/")
	}
	out := httpserve.App{Module: inst.Name, Host: inst.Host, Mount: mount}
	var keys []string
	inst.call(func() {
		app.routes.ForEach(func(k, v lua.LValue) {
			keys = append(keys, k.String())
		})
	})
	sort.Strings(keys)
	// With copies (workers), each request goes to the next copy in turn;
	// copy i registered its own app at the same index.
	idx := 0
	for i, a := range inst.http {
		if a == app {
			idx = i
		}
	}
	copies := append([]*Instance{inst}, inst.copies...)
	var next atomic.Uint64
	for _, k := range keys {
		method, path, prefix, _ := httpserve.ParsePattern(k)
		key := k
		out.Routes = append(out.Routes, httpserve.Route{Method: method, Path: path, Prefix: prefix,
			Handle: func(r *httpserve.Request) *httpserve.Response {
				c := copies[int(next.Add(1)%uint64(len(copies)))]
				if idx >= len(c.http) {
					c = inst
				}
				return c.serveHTTP(c.http[idx], key, r)
			}})
	}
	return out
}

// serveHTTP runs a route's handler: event.request and event.response as
// in Prosody; the handler may return a status, a body string or a
// response table, or fill event.response (or call its send).
func (inst *Instance) serveHTTP(app *httpApp, key string, r *httpserve.Request) *httpserve.Response {
	var resp *httpserve.Response
	ok := inst.call(func() {
		L := inst.L
		fn := app.routes.RawGetString(key)
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
			headers.RawSetString(strings.ReplaceAll(k, "-", "_"), lua.LString(v)) // Prosody's "content_type"
		}
		req.RawSetString("headers", headers)
		res := L.CreateTable(0, 4)
		res.RawSetString("status_code", lua.LNumber(200))
		res.RawSetString("headers", L.CreateTable(0, 2))
		res.RawSetString("send", inst.sendFn())
		event := L.NewTable()
		event.RawSetString("request", req)
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

// sendFn is response:send(body), shared by every request of the state.
func (inst *Instance) sendFn() *lua.LFunction {
	if inst.send == nil {
		inst.send = inst.L.NewFunction(func(L *lua.LState) int {
			L.CheckTable(1).RawSetString("body", L.Get(2))
			L.Push(lua.LTrue)
			return 1
		})
	}
	return inst.send
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
