package bridge

import (
	"net"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/lua/luaval"
)

func init() { registerLibrary("net.server", funcsLibrary(serverFuncs)) }

// serverFuncs is require "net.server", the part of Prosody's network
// backend a module calls: outgoing connections and timers.
var serverFuncs = map[string]lua.LGFunction{
	"addclient": serverAddClient,
	"add_task":  timerAddTask,
}

// serverAddClient is server.addclient(addr, port, listeners, read_size,
// …): an outgoing TCP connection whose events go to listeners on this
// loop; nil and the reason when the Runtime's dialer refuses (a check).
func serverAddClient(L *lua.LState) int {
	inst := instanceOf(L)
	addr := L.CheckString(1)
	port := L.CheckInt(2)
	listener := L.CheckTable(3)
	h := &connHandler{inst: inst, listener: listener, drain: listener.RawGetString("ondrain") != lua.LNil}
	st := *inst.rt.network.Load()
	if rs := L.Get(4); rs != lua.LNil {
		gv, _ := luaval.ToGo(rs)
		m, err := listen.ParseMode(gv, st.ReadSize)
		if err != nil {
			L.ArgError(4, err.Error())
		}
		h.mode, h.hasMode = m, true
	}
	address := net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(port))
	if err := inst.outgoing("net.server.addclient", address); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	c := inst.rt.opts.Server.Dial(inst.rt.ctx, address, h, st, inst.rt.dialer.dial(net.Dialer{Timeout: st.ConnectTimeout}))
	L.Push(inst.wrap(c, listener).ud)
	return 1
}
