package bridge

import (
	"net/http"
	"sync"

	"github.com/moonport/moonport/host/config"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/httpserve"
)

// net.http.server, backed by Go: one per runtime, whichever module state
// requires it (Prosody's mod_http adds the routes of every module to it,
// mod_http_errors renders its "http-error" events). Requests come from
// moonport's HTTP front (net/http): a module that provides a "net"
// service with server.listener as its listener (Prosody's mod_http does)
// makes that service an HTTP one, and each request is an event here,
// under Prosody's names: "METHOD /path", then "METHOD host/path" (the
// request's Host if added with add_host, else the default host), a GET
// handler answering HEAD, wildcard parents, "http-error" for error pages.

// httpServer is a runtime's net.http.server.
type httpServer struct {
	events *httpEvents
	// config is the running config, whose active hosts count as added.
	config func() *config.Snapshot

	mu          sync.Mutex
	hosts       map[string]bool
	defaultHost string
	options     map[string]any
}

func newHTTPServer(config func() *config.Snapshot) *httpServer {
	s := &httpServer{events: newHTTPEvents(), config: config, hosts: map[string]bool{}, options: map[string]any{}}
	// Prosody's own last-resort error text.
	s.events.add(s.events.handlers, "http-error", &httpHook{priority: -1, builtin: func(ev *httpEvent) any {
		code, _ := ev.fields["code"].(float64)
		return "Error processing request: " + httpStatusLine(int(code)) + ". Check your error log for more information."
	}})
	return s
}

// httpListenerKey marks the metatable of server.listener.
const httpListenerKey = "__moonport_http_listener"

// isHTTPServerListener says whether a service's listener is
// net.http.server's. The listener's metatable is set when the library is
// made and never changes, so it may be read off the state.
func isHTTPServerListener(listener *lua.LTable) bool {
	mt, ok := listener.Metatable.(*lua.LTable)
	return ok && mt.RawGetString(httpListenerKey) == lua.LTrue
}

func init() { registerLibrary("net.http.server", openHTTPServer) }

// openHTTPServer is the library in one state: functions on the runtime's
// server, _events as a util.events-style object, listener as the marker.
func openHTTPServer(inst *Instance) lua.LValue {
	L := inst.L
	lib := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"add_handler":      httpAddHandler,
		"remove_handler":   httpRemoveHandler,
		"fire_event":       httpFireEvent,
		"add_host":         func(L *lua.LState) int { serverOf(L).setHost(L.CheckString(1), true); return 0 },
		"remove_host":      func(L *lua.LState) int { serverOf(L).setHost(L.CheckString(1), false); return 0 },
		"set_default_host": httpSetDefaultHost,
		"set_option":       httpSetOption,
		"listen_on": func(L *lua.LState) int {
			L.RaiseError("net.http.server.listen_on: moonport serves HTTP on the ports of the http and https services (http_ports, https_ports)")
			return 0
		},
		"get_request_from_conn": func(L *lua.LState) int { return 0 },
	}, inst.ud)
	events := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"add_handler":    httpAddHandler,
		"remove_handler": httpRemoveHandler,
		"fire_event":     httpFireEvent,
		"add_wrapper":    httpAddWrapper,
		"remove_wrapper": httpRemoveWrapper,
	}, inst.ud)
	events.RawSetString("wrappers", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"add_handler":    httpAddWrapper,
		"remove_handler": httpRemoveWrapper,
	}, inst.ud))
	lib.RawSetString("_events", events)
	listener := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString(httpListenerKey, lua.LTrue)
	L.SetMetatable(listener, mt)
	lib.RawSetString("listener", listener)
	lib.RawSetString("codes", openHTTPCodes(inst))
	return lib
}

func serverOf(L *lua.LState) *httpServer { return instanceOf(L).rt.httpSrv }

func (s *httpServer) setHost(host string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.hosts[host] = true
	} else {
		delete(s.hosts, host)
	}
}

func httpSetDefaultHost(L *lua.LState) int {
	s := serverOf(L)
	s.mu.Lock()
	s.defaultHost = L.OptString(1, "")
	s.mu.Unlock()
	return 0
}

// httpSetOption keeps body_size_limit and buffer_size_limit as set; the
// limits moonport applies are http_max_content_size and the others of
// README "HTTP", read by its HTTP front.
func httpSetOption(L *lua.LState) int {
	s := serverOf(L)
	s.mu.Lock()
	s.options[L.CheckString(1)] = fromLuaIn(instanceOf(L), L.Get(2))
	s.mu.Unlock()
	return 0
}

// eventName is an event argument: a name, or false for a global wrapper.
func eventName(L *lua.LState, n int) string {
	if L.Get(n) == lua.LFalse {
		return ""
	}
	return L.CheckString(n)
}

func httpAddHandler(L *lua.LState) int {
	inst := instanceOf(L)
	e := inst.rt.httpSrv.events
	e.add(e.handlers, L.CheckString(1), &httpHook{inst: inst, fn: L.CheckFunction(2), priority: float64(L.OptNumber(3, 0))})
	return 0
}

func httpRemoveHandler(L *lua.LState) int {
	inst := instanceOf(L)
	e := inst.rt.httpSrv.events
	if fn, ok := L.Get(2).(*lua.LFunction); ok {
		e.remove(e.handlers, L.CheckString(1), inst, fn)
	}
	return 0
}

func httpAddWrapper(L *lua.LState) int {
	inst := instanceOf(L)
	e := inst.rt.httpSrv.events
	e.add(e.wrappers, eventName(L, 1), &httpHook{inst: inst, fn: L.CheckFunction(2)})
	return 0
}

func httpRemoveWrapper(L *lua.LState) int {
	inst := instanceOf(L)
	e := inst.rt.httpSrv.events
	if fn, ok := L.Get(2).(*lua.LFunction); ok {
		e.remove(e.wrappers, eventName(L, 1), inst, fn)
	}
	return 0
}

// httpFireEvent is fire_event(name, data) from a module: the handlers run
// as for a request, this state's at once, the others' on theirs.
func httpFireEvent(L *lua.LState) int {
	inst := instanceOf(L)
	ev := (&httpEvent{}).from(inst, L.Get(2))
	res, err := httpFiring{events: inst.rt.httpSrv.events, held: inst}.fire(L.CheckString(1), ev)
	if err != nil {
		L.RaiseError("%v", err)
	}
	L.Push(toLuaResult(inst, res))
	return 1
}

// serve answers one request from the HTTP front. It waits for a handler
// that answers later (returned true) until it sends its response or the
// client goes.
func (s *httpServer) serve(r *httpserve.Request) *httpserve.Response {
	x := newExchange(r, false)
	c := httpFiring{events: s.events}
	if err := s.dispatch(c, x, r); err != nil {
		// As Prosody's server after a handler's error: the 500 page written
		// on the connection, the headers set so far dropped.
		x.resp.set("status_code", float64(http.StatusInternalServerError))
		body, _ := c.fire("http-error", &httpEvent{fields: map[string]any{"code": float64(500), "private_message": err.Error()}})
		text, _ := body.(string)
		x.complete(&text, true)
	}
	select {
	case <-x.doneChan():
		return x.out
	case <-ctxDone(r):
		x.resp.set("finished", true)
		x.destroyed()
		return nil
	}
}

// dispatch fires the request's events as Prosody's server does and
// applies the result.
func (s *httpServer) dispatch(c httpFiring, x *httpExchange, r *httpserve.Request) error {
	path, ok := x.req.get("path").(string)
	if !ok {
		return x.fail(c, 400, "Invalid path")
	}
	ev := &httpEvent{request: x.req, response: x.resp}
	res, err := c.fireMethod(r.Method, path, ev)
	if err != nil {
		return err
	}
	if res == nil {
		host := requestHost(r)
		s.mu.Lock()
		def := s.defaultHost
		s.mu.Unlock()
		known, defaultKnown := s.known(host), def != "" && s.known(def)
		switch {
		case known:
		case defaultKnown:
			host = def
		case host != "":
			return x.fail(c, 404, "Unknown host: "+host)
		default:
			return x.fail(c, 400, "Missing or invalid 'Host' header")
		}
		if res, err = c.fireMethod(r.Method, host+path, ev); err != nil {
			return err
		}
	}
	return x.applyResult(c, res)
}

// known says whether host was added (add_host) or is an active host of
// the config: moonport loads the global modules once on "*" for every
// host that takes them, where Prosody loads them per host and mod_http's
// add_host adds each.
func (s *httpServer) known(host string) bool {
	s.mu.Lock()
	added := s.hosts[host]
	s.mu.Unlock()
	if added || s.config == nil || host == "" {
		return added
	}
	active, _ := ActiveHosts(s.config())
	for _, sec := range active {
		if sec.Name == host {
			return true
		}
	}
	return false
}

// fireMethod fires "METHOD target", and for HEAD without an answer "GET
// target".
func (c httpFiring) fireMethod(method, target string, ev *httpEvent) (any, error) {
	res, err := c.fire(method+" "+target, ev)
	if res == nil && err == nil && method == http.MethodHead {
		return c.fire("GET "+target, ev)
	}
	return res, err
}

// fail answers with code and the "http-error" page for message (an event
// without the request, as Prosody fires it).
func (x *httpExchange) fail(c httpFiring, code int, message string) error {
	x.resp.set("status_code", float64(code))
	body, err := c.fire("http-error", &httpEvent{response: x.resp, fields: map[string]any{"code": float64(code), "message": message}})
	if err != nil {
		return err
	}
	text, _ := body.(string)
	x.finish(&text)
	return nil
}
