package core

import (
	"net"

	"github.com/moonport/moonport/host/status"
	"github.com/moonport/moonport/lua/bridge"
)

// boundListeners lists the listeners open now for core.portmanager, with
// the port each really bound (a planned port 0 is the kernel's choice).
func (h *Host) boundListeners() []bridge.Bound {
	if h.Pool == nil {
		return nil // still loading modules: nothing listens yet
	}
	var out []bridge.Bound
	for _, l := range h.Pool.Listeners() {
		b := l.Binding()
		port := b.Port
		switch a := l.Addr().(type) {
		case *net.TCPAddr:
			port = a.Port
		case *net.UDPAddr:
			port = a.Port
		}
		out = append(out, bridge.Bound{Service: b.Service, Interface: b.Address.String(), Port: port})
	}
	return out
}

// coreStatus is Status for core.statsmanager, which a module may ask for
// while modules still load, before the listeners' pool exists.
func (h *Host) coreStatus() status.Snapshot {
	if h.Pool == nil {
		return status.Snapshot{Version: Version}
	}
	return h.Status()
}
