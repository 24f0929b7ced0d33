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

// planned lists the sockets of the running bind plan; none while the
// first plan is being made (modules are loading).
func (h *Host) planned() []ports.Binding {
	if p := h.current().plan; p != nil {
		return p.Bindings
	}
	return nil
}
