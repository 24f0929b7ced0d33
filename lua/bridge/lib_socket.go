package bridge

import (
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("socket", openSocket) }

// openSocket builds require "socket": of LuaSocket only what modules that
// read the time or the host's name need, socket.gettime() and
// socket.dns.gethostname(). There are no sockets (tcp, udp, connect,
// bind, select), no sleep and no other dns functions; modules open
// connections with net.server.
func openSocket(inst *Instance) lua.LValue {
	L := inst.L
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"gettime": socketGettime}, inst.ud)
	dns := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"gethostname": socketGethostname}, inst.ud)
	t.RawSetString("dns", dns)
	t.RawSetString("_VERSION", lua.LString("LuaSocket 3.0 (moonport: gettime, dns.gethostname)"))
	return t
}

// socketGettime is seconds since the epoch, with microseconds.
func socketGettime(L *lua.LState) int {
	L.Push(lua.LNumber(float64(time.Now().UnixMicro()) / 1e6))
	return 1
}

// socketGethostname is the host's name; nil and the error when the
// system will not say.
func socketGethostname(L *lua.LState) int {
	name, err := os.Hostname()
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LString(name))
	return 1
}
