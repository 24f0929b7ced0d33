package core

import (
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/lua/bridge"
)

// serverInfo is what modules learn about the server (Prosody's prosody
// global, module:http_url).
func (h *Host) serverInfo() bridge.ServerInfo {
	return bridge.ServerInfo{Version: Version, Listening: h.planned}
}

// planned lists the sockets of the running bind plan. While the first
// plan is being made (modules are loading), it is the plan of the
// services provided so far: Prosody opens a service's ports as its module
// provides it, so a module that builds a URL as it loads
// (mod_invites_page's module:http_url()) already finds mod_http's.
func (h *Host) planned() []ports.Binding {
	g := h.current()
	if g.plan != nil {
		return g.plan.Bindings
	}
	return ports.Plan(g.snap, h.Runtime.PortServices()).Bindings
}
