package bridge

import (
	"errors"
	"net"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
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
	if nh := h.successor(c); nh != nil {
		c.SetHandler(nh)
		nh.Connected(c)
		return
	}
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
		if lc.listener == nil { // made before the service was (a module:shared key)
			lc.listener = listener
		}
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
