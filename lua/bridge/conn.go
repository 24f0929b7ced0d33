package bridge

import (
	"errors"
	"net"
	"strconv"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/lua/luaval"
)

// luaConn is a connection as Lua sees it. It lives on its instance's loop.
type luaConn struct {
	c        *listen.Conn
	inst     *Instance
	ud       *lua.LUserData
	listener *lua.LTable
}

const connType = "moonport.conn"

// Ref lets a connection travel through module.save to the new instance.
func (lc *luaConn) Ref() luaval.Ref { return luaval.Ref{Kind: "conn", ID: lc.c.ID} }

// connHandler delivers one listener table's events to its instance. The
// same type serves accepted and outgoing connections.
type connHandler struct {
	inst     *Instance
	listener *lua.LTable
	mode     listen.Mode
	hasMode  bool
	drain    bool // the listener has ondrain
}

// A module reload may hand a connection to a new handler while an event
// for it is on its way to the old one. moved reports that and the old
// handler passes the event on, so none is lost or run by old code.
func (h *connHandler) moved(c *listen.Conn) (listen.Handler, bool) {
	nh := c.Handler()
	return nh, nh != listen.Handler(h)
}

// async runs f on the instance, or passes the event on with forward if the
// connection has moved to another handler (or this instance stopped).
func (h *connHandler) async(c *listen.Conn, f func(), forward func(listen.Handler)) {
	ok := h.inst.post(func() {
		if nh, moved := h.moved(c); moved {
			forward(nh)
			return
		}
		f()
	})
	if !ok {
		if nh, moved := h.moved(c); moved {
			forward(nh)
		}
	}
}

func (h *connHandler) Connected(c *listen.Conn) {
	if h.hasMode {
		c.SetMode(h.mode)
	}
	c.WantDrain(h.drain)
	diverts := c.Diverts()
	h.async(c, func() { h.inst.wrap(c, h.listener).on("onconnect", lua.LNil) },
		func(nh listen.Handler) {
			if c.Diverts() == diverts { // else the divert announced it to nh
				nh.Connected(c)
			}
		})
}

func (h *connHandler) Incoming(c *listen.Conn, data []byte) {
	if !h.inst.enter() {
		if nh, moved := h.moved(c); moved {
			nh.Incoming(c, data)
		}
		return
	}
	if nh, moved := h.moved(c); moved {
		h.inst.release()
		nh.Incoming(c, data)
		return
	}
	h.inst.wrap(c, h.listener).on("onincoming", lua.LString(data))
	h.inst.release()
}

func (h *connHandler) ReadTimeout(c *listen.Conn) bool {
	return h.ask(c, "onreadtimeout", func(nh listen.Handler) bool { return nh.ReadTimeout(c) })
}

// ReadClosed calls onreadclosed: the peer shut down its sending side. The
// connection stays open for sending if it returns true (moonport's
// addition, for relays; Prosody only knows a hang-up).
func (h *connHandler) ReadClosed(c *listen.Conn) bool {
	return h.ask(c, "onreadclosed", func(nh listen.Handler) bool {
		rc, ok := nh.(listen.ReadCloser)
		return ok && rc.ReadClosed(c)
	})
}

// ask calls the listener's callback name and waits for its answer: true
// keeps the connection. again asks the connection's new handler if it
// moved meanwhile.
func (h *connHandler) ask(c *listen.Conn, name string, again func(listen.Handler) bool) bool {
	keep, ran := false, false
	h.inst.call(func() {
		if _, moved := h.moved(c); moved {
			return
		}
		ran = true
		lc := h.inst.wrap(c, h.listener)
		fn := lc.callback(name)
		if fn == lua.LNil {
			return
		}
		out, err := lc.inst.protect(name, fn, 1, lc.ud)
		if err != nil {
			lc.c.Abort(err)
			return
		}
		keep = lua.LVAsBool(out[0])
	})
	if nh, moved := h.moved(c); !ran && moved {
		return again(nh)
	}
	return keep
}

func (h *connHandler) Drained(c *listen.Conn) {
	h.async(c, func() { h.inst.wrap(c, h.listener).on("ondrain", lua.LNil) },
		func(nh listen.Handler) { nh.Drained(c) })
}

func (h *connHandler) Secured(c *listen.Conn, starttls bool) {
	diverts := c.Diverts()
	h.async(c, func() {
		lc := h.inst.wrap(c, h.listener)
		if starttls {
			lc.on("onstarttls", lua.LNil)
		}
		lc.on("onstatus", lua.LString("ssl-handshake-complete"))
	}, func(nh listen.Handler) {
		if c.Diverts() == diverts {
			nh.Secured(c, starttls)
		}
	})
}

func (h *connHandler) Disconnected(c *listen.Conn, err error) {
	h.async(c, func() {
		lc := h.inst.wrap(c, h.listener)
		if err != nil {
			lc.on("ondisconnect", lua.LString(errorText(err)))
		} else {
			lc.on("ondisconnect", lua.LNil)
		}
		h.inst.forget(c)
	}, func(nh listen.Handler) { nh.Disconnected(c, err) })
}

func errorText(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// wrap returns the Lua object of c in this instance, making it on first
// use (a connection handed over by a module reload gets one on its first
// event here). Only code holding the instance's state calls it.
func (inst *Instance) wrap(c *listen.Conn, listener *lua.LTable) *luaConn {
	if lc, ok := inst.conns[c]; ok {
		return lc
	}
	lc := &luaConn{c: c, inst: inst, listener: listener}
	lc.ud = inst.L.NewUserData()
	lc.ud.Value = lc
	inst.L.SetMetatable(lc.ud, inst.L.GetTypeMetatable(connType))
	inst.conns[c] = lc
	return lc
}

// forget drops c's Lua object; a retired instance with no connection left
// is stopped.
func (inst *Instance) forget(c *listen.Conn) {
	delete(inst.conns, c)
	if inst.retired && len(inst.conns) == 0 {
		go inst.rt.stopRetired(inst)
	}
}

// callback is the listener's function called name ("onincoming", …).
func (lc *luaConn) callback(name string) lua.LValue {
	if lc.listener == nil {
		return lua.LNil
	}
	return lc.listener.RawGetString(name)
}

// on calls the listener's callback name with the conn and arg (LNil for
// none). A Lua error closes this connection only.
func (lc *luaConn) on(name string, arg lua.LValue) {
	fn := lc.callback(name)
	if fn == lua.LNil {
		return
	}
	var err error
	if arg == lua.LNil {
		_, err = lc.inst.protect(name, fn, 0, lc.ud)
	} else {
		_, err = lc.inst.protect(name, fn, 0, lc.ud, arg)
	}
	if err != nil {
		if st := lc.c.Stats; st != nil {
			st.LuaErrors.Add(1)
		}
		if name != "ondisconnect" {
			lc.c.Abort(err)
		}
	}
}

func checkConn(L *lua.LState) *luaConn {
	ud := L.CheckUserData(1)
	lc, ok := ud.Value.(*luaConn)
	if !ok {
		L.ArgError(1, "connection expected")
	}
	return lc
}

func addrParts(a net.Addr) (string, int) {
	if a == nil {
		return "", 0
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

// addrMethod makes conn:ip()/port()/serverip()/serverport().
func addrMethod(local, port bool) lua.LGFunction {
	return func(L *lua.LState) int {
		c := checkConn(L).c
		a := c.RemoteAddr()
		if local {
			a = c.LocalAddr()
		}
		ip, p := addrParts(a)
		if port {
			L.Push(lua.LNumber(p))
		} else {
			L.Push(lua.LString(ip))
		}
		return 1
	}
}

// registerConnType installs the methods of Prosody's connection object.
func registerConnType(L *lua.LState) {
	methods := map[string]lua.LGFunction{
		"write": connWrite, "send": connWrite,
		"close":      func(L *lua.LState) int { checkConn(L).c.Close(); return 0 },
		"ip":         addrMethod(false, false),
		"port":       addrMethod(false, true),
		"clientport": addrMethod(false, true),
		"serverip":   addrMethod(true, false),
		"serverport": addrMethod(true, true),
		"setlistener": func(L *lua.LState) int {
			lc := checkConn(L)
			lc.on("ondetach", lua.LNil)
			lc.listener = L.CheckTable(2)
			lc.c.WantDrain(lc.listener.RawGetString("ondrain") != lua.LNil)
			lc.on("onattach", L.Get(3))
			return 0
		},
		"shutdown": connShutdown,
		"pause":    func(L *lua.LState) int { checkConn(L).c.Pause(); return 0 },
		"resume":   func(L *lua.LState) int { checkConn(L).c.Resume(); return 0 },
		"set_mode": func(L *lua.LState) int {
			lc := checkConn(L)
			v, _ := luaval.ToGo(L.Get(2))
			m, err := listen.ParseMode(v, 8192)
			if err != nil {
				L.ArgError(2, err.Error())
			}
			lc.c.SetMode(m)
			return 0
		},
		"setoption": func(L *lua.LState) int {
			lc := checkConn(L)
			v, _ := luaval.ToGo(L.Get(3))
			if err := lc.c.SetOption(L.CheckString(2), v); err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
			L.Push(lua.LTrue)
			return 1
		},
		"ssl": func(L *lua.LState) int { L.Push(lua.LBool(checkConn(L).c.Secure())); return 1 },
		"alpn": func(L *lua.LState) int {
			st, _ := checkConn(L).c.TLSState()
			L.Push(lua.LString(st.NegotiatedProtocol))
			return 1
		},
		"sni": func(L *lua.LState) int {
			st, _ := checkConn(L).c.TLSState()
			L.Push(lua.LString(st.ServerName))
			return 1
		},
		"starttls_replay": func(L *lua.LState) int {
			if err := checkConn(L).c.StartTLSReplay([]byte(L.CheckString(2))); err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
			L.Push(lua.LTrue)
			return 1
		},
		"divert":        connDivert,
		"tls_available": func(L *lua.LState) int { L.Push(lua.LBool(checkConn(L).c.TLSAvailable())); return 1 },
		"starttls": func(L *lua.LState) int {
			if err := checkConn(L).c.StartTLS(); err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
			L.Push(lua.LTrue)
			return 1
		},
		"id":          func(L *lua.LState) int { L.Push(lua.LNumber(checkConn(L).c.ID)); return 1 },
		"bufferlen":   func(L *lua.LState) int { L.Push(lua.LNumber(checkConn(L).c.Queued())); return 1 },
		"getlistener": func(L *lua.LState) int { L.Push(checkConn(L).listener); return 1 },
	}
	methodTable := L.SetFuncs(L.NewTable(), methods)
	tostring := L.NewFunction(func(L *lua.LState) int {
		lc := checkConn(L)
		ip, port := addrParts(lc.c.RemoteAddr())
		L.Push(lua.LString("conn " + strconv.FormatUint(lc.c.ID, 10) + " " + net.JoinHostPort(ip, strconv.Itoa(port))))
		return 1
	})
	// Method lookups go through tables only, so conn:write costs no extra
	// call into Go. The first field a module stores on a conn gives that
	// conn a metatable of its own whose fields table falls back to the
	// methods.
	fieldsMeta := L.NewTable()
	fieldsMeta.RawSetString("__index", methodTable)
	mt := L.NewTypeMetatable(connType)
	mt.RawSetString("__index", methodTable)
	mt.RawSetString("__tostring", tostring)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		lc := checkConn(L)
		fields := L.NewTable()
		L.SetMetatable(fields, fieldsMeta)
		fields.RawSet(L.Get(2), L.Get(3))
		own := L.NewTable()
		own.RawSetString("__index", fields)
		own.RawSetString("__newindex", fields)
		own.RawSetString("__tostring", tostring)
		L.SetMetatable(lc.ud, own)
		return 0
	}))
}

func connWrite(L *lua.LState) int {
	lc := checkConn(L)
	data := L.CheckString(2)
	// Lua strings never change, so the queue can send the string's own
	// bytes instead of a copy.
	if err := lc.c.Write(unsafe.Slice(unsafe.StringData(data), len(data))); err != nil {
		if errors.Is(err, listen.ErrSendBufferFull) {
			lc.inst.log.Warnf("closing connection %d from %s: %v", lc.c.ID, lc.c.RemoteAddr(), err)
		}
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LNumber(len(data)))
	return 1
}

// connShutdown is conn:shutdown("send"), LuaSocket's name: send what is
// queued, then shut down the sending side (a half-close) and go on
// reading. The other directions are conn:close().
func connShutdown(L *lua.LState) int {
	lc := checkConn(L)
	if how := L.OptString(2, "both"); how != "send" {
		L.ArgError(2, `only "send" can be shut down alone; use conn:close() for the rest`)
	}
	if err := lc.c.CloseWrite(); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// connDivert is conn:divert(service, data): the connection leaves this
// module for another service, which sees it connect and then receives
// data (the bytes the multiplexer read) framed by its own read mode.
func connDivert(L *lua.LState) int {
	lc := checkConn(L)
	name := L.CheckString(2)
	data := []byte(L.OptString(3, ""))
	rt := lc.inst.rt
	target := rt.Service(name)
	if target == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("no service " + name))
		return 2
	}
	c := lc.c
	lc.inst.forget(c)
	if target.Serve == ports.ServeHTTP {
		if rt.divert == nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("no HTTP server in this process"))
			return 2
		}
		c.DetachHTTP(data, rt.divert(name))
		L.Push(lua.LTrue)
		return 1
	}
	c.Divert(target.Pick())
	if len(data) > 0 {
		c.Redeliver(data)
	}
	L.Push(lua.LTrue)
	return 1
}
