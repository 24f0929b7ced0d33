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

// connMethods are the methods of Prosody's connection object (conn:name
// (...)); the first argument is the conn.
var connMethods = map[string]lua.LGFunction{
	"write":           connWrite,
	"send":            connWrite,
	"close":           connClose,
	"shutdown":        connShutdown,
	"ip":              connIP,
	"port":            connPort,
	"clientport":      connPort,
	"serverip":        connServerIP,
	"serverport":      connServerPort,
	"setlistener":     connSetListener,
	"getlistener":     connGetListener,
	"pause":           connPause,
	"resume":          connResume,
	"set_mode":        connSetMode,
	"setoption":       connSetOption,
	"ssl":             connSSL,
	"alpn":            connALPN,
	"sni":             connSNI,
	"tls_available":   connTLSAvailable,
	"starttls":        connStartTLS,
	"starttls_replay": connStartTLSReplay,
	"divert":          connDivert,
	"id":              connID,
	"bufferlen":       connBufferLen,
}

// registerConnType installs the conn metatable in a state. Method lookups
// go through tables only, so conn:write costs no extra call into Go. The
// first field a module stores on a conn gives that conn a metatable of
// its own whose fields table falls back to the methods.
func registerConnType(L *lua.LState) {
	methods := L.SetFuncs(L.NewTable(), connMethods)
	tostring := L.NewFunction(connToString)
	fieldsMeta := L.NewTable()
	fieldsMeta.RawSetString("__index", methods)
	mt := L.NewTypeMetatable(connType)
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", tostring)
	mt.RawSetString("__newindex", L.NewClosure(connFirstField, fieldsMeta, tostring))
}

// connFirstField is the conn type's __newindex: it gives the conn its
// own fields table (upvalues: the fields' metatable, __tostring).
func connFirstField(L *lua.LState) int {
	lc := checkConn(L)
	fields := L.NewTable()
	L.SetMetatable(fields, L.Get(lua.UpvalueIndex(1)))
	fields.RawSet(L.Get(2), L.Get(3))
	own := L.NewTable()
	own.RawSetString("__index", fields)
	own.RawSetString("__newindex", fields)
	own.RawSetString("__tostring", L.Get(lua.UpvalueIndex(2)))
	L.SetMetatable(lc.ud, own)
	return 0
}

// connToString is tostring(conn): "conn ID ADDRESS:PORT".
func connToString(L *lua.LState) int {
	lc := checkConn(L)
	ip, port := addrParts(lc.c.RemoteAddr())
	L.Push(lua.LString("conn " + strconv.FormatUint(lc.c.ID, 10) + " " + net.JoinHostPort(ip, strconv.Itoa(port))))
	return 1
}

func checkConn(L *lua.LState) *luaConn {
	ud := L.CheckUserData(1)
	lc, ok := ud.Value.(*luaConn)
	if !ok {
		L.ArgError(1, "connection expected")
	}
	return lc
}

// pushResult returns true to Lua, or nil and the error.
func pushResult(L *lua.LState, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
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

// connIP is conn:ip(), the peer's address.
func connIP(L *lua.LState) int {
	ip, _ := addrParts(checkConn(L).c.RemoteAddr())
	L.Push(lua.LString(ip))
	return 1
}

// connPort is conn:port() and conn:clientport(), the peer's port.
func connPort(L *lua.LState) int {
	_, port := addrParts(checkConn(L).c.RemoteAddr())
	L.Push(lua.LNumber(port))
	return 1
}

// connServerIP is conn:serverip(), the local address.
func connServerIP(L *lua.LState) int {
	ip, _ := addrParts(checkConn(L).c.LocalAddr())
	L.Push(lua.LString(ip))
	return 1
}

// connServerPort is conn:serverport(), the local port.
func connServerPort(L *lua.LState) int {
	_, port := addrParts(checkConn(L).c.LocalAddr())
	L.Push(lua.LNumber(port))
	return 1
}

func connClose(L *lua.LState) int {
	checkConn(L).c.Close()
	return 0
}

// connSetListener is conn:setlistener(listener, data): ondetach on the
// old callbacks, onattach(conn, data) on the new.
func connSetListener(L *lua.LState) int {
	lc := checkConn(L)
	lc.on("ondetach", lua.LNil)
	if name, ok := foreignListener(L, L.Get(2)); ok {
		return pushResult(L, lc.handTo(name, nil)) // another module's service (core.portmanager)
	}
	lc.listener = L.CheckTable(2)
	lc.c.WantDrain(lc.listener.RawGetString("ondrain") != lua.LNil)
	lc.on("onattach", L.Get(3))
	return 0
}

func connGetListener(L *lua.LState) int {
	L.Push(checkConn(L).listener)
	return 1
}

func connPause(L *lua.LState) int {
	checkConn(L).c.Pause()
	return 0
}

func connResume(L *lua.LState) int {
	checkConn(L).c.Resume()
	return 0
}

// connSetMode is conn:set_mode(mode): the read mode from the next frame.
func connSetMode(L *lua.LState) int {
	lc := checkConn(L)
	v, _ := luaval.ToGo(L.Get(2))
	m, err := listen.ParseMode(v, 8192)
	if err != nil {
		L.ArgError(2, err.Error())
	}
	lc.c.SetMode(m)
	return 0
}

// connSetOption is conn:setoption(name, value).
func connSetOption(L *lua.LState) int {
	lc := checkConn(L)
	v, _ := luaval.ToGo(L.Get(3))
	return pushResult(L, lc.c.SetOption(L.CheckString(2), v))
}

func connSSL(L *lua.LState) int {
	L.Push(lua.LBool(checkConn(L).c.Secure()))
	return 1
}

// connALPN is conn:alpn(): the negotiated ALPN protocol, "" without TLS.
func connALPN(L *lua.LState) int {
	st, _ := checkConn(L).c.TLSState()
	L.Push(lua.LString(st.NegotiatedProtocol))
	return 1
}

// connSNI is conn:sni(): the name the client asked for, "" without TLS.
func connSNI(L *lua.LState) int {
	st, _ := checkConn(L).c.TLSState()
	L.Push(lua.LString(st.ServerName))
	return 1
}

func connTLSAvailable(L *lua.LState) int {
	L.Push(lua.LBool(checkConn(L).c.TLSAvailable()))
	return 1
}

func connStartTLS(L *lua.LState) int {
	return pushResult(L, checkConn(L).c.StartTLS())
}

// connStartTLSReplay is conn:starttls_replay(data): TLS with data (a
// ClientHello already read) as the first bytes of the handshake.
func connStartTLSReplay(L *lua.LState) int {
	return pushResult(L, checkConn(L).c.StartTLSReplay([]byte(L.CheckString(2))))
}

func connID(L *lua.LState) int {
	L.Push(lua.LNumber(checkConn(L).c.ID))
	return 1
}

func connBufferLen(L *lua.LState) int {
	L.Push(lua.LNumber(checkConn(L).c.Queued()))
	return 1
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
	return pushResult(L, lc.c.CloseWrite())
}

// connDivert is conn:divert(service, data): the connection leaves this
// module for another service, which sees it connect and then receives
// data (the bytes the multiplexer read) framed by its own read mode.
func connDivert(L *lua.LState) int {
	lc := checkConn(L)
	return pushResult(L, lc.handTo(L.CheckString(2), []byte(L.OptString(3, ""))))
}

// handTo gives the connection to the service called name, with data as
// the first bytes it reads (see connDivert).
func (lc *luaConn) handTo(name string, data []byte) error {
	rt := lc.inst.rt
	target := rt.Service(name)
	if target == nil {
		return errors.New("no service " + name)
	}
	if target.Serve == ports.ServeHTTP && rt.divert == nil {
		return errors.New("no HTTP server in this process")
	}
	lc.inst.forget(lc.c)
	if target.Serve != ports.ServeHTTP {
		lc.c.Divert(target.Pick())
	}
	lc.feed(target, data)
	return nil
}

// feed makes data the first bytes the service a connection was handed to
// reads, replacing what an earlier feed in the same callback gave.
func (lc *luaConn) feed(target *NetService, data []byte) {
	if target.Serve == ports.ServeHTTP {
		lc.c.DetachHTTP(data, lc.inst.rt.divert(target.Name))
	} else if len(data) > 0 {
		lc.c.Redeliver(data)
	}
}
