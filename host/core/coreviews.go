package core

import (
	"net"

	"github.com/moonport/moonport/lua/bridge"
)

// boundListeners lists the listeners open now for core.portmanager, with
// the port each really bound (a planned port 0 is the kernel's choice).
func (h *Host) boundListeners() []bridge.Bound {
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

// appliedService reports whether the listeners open now were planned
// with service: false for every service until Start binds, and, while a
// reload stages its modules, for the services only they provide.
func (h *Host) appliedService(service string) bool {
	return h.bound.Load() && h.current().planned[service]
}
