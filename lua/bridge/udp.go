package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/listen"
)

// packetHandler runs a UDP service's listener.onpacket(packet), where the
// packet is { data, ip, port, reply = function(self, data) }.
type packetHandler struct {
	inst     *Instance
	listener *lua.LTable
}

// PacketHandler is the handler of a UDP service's datagrams.
func (s *NetService) PacketHandler() listen.PacketHandler {
	return &packetHandler{inst: s.inst, listener: s.handlers[0].listener}
}

func (h *packetHandler) Packet(p *listen.Packet) {
	h.inst.call(func() {
		L := h.inst.L
		fn := h.listener.RawGetString("onpacket")
		if fn == lua.LNil {
			return
		}
		t := L.CreateTable(0, 4)
		t.RawSetString("data", lua.LString(p.Data))
		t.RawSetString("ip", lua.LString(p.From.Addr().String()))
		t.RawSetString("port", lua.LNumber(p.From.Port()))
		t.RawSetString("reply", L.NewFunction(func(L *lua.LState) int {
			if err := p.Reply([]byte(L.CheckString(2))); err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
			L.Push(lua.LTrue)
			return 1
		}))
		_, _ = h.inst.protect("onpacket", fn, 0, t)
	})
}
