package tlsconf

import (
	"crypto/tls"
	"slices"

	"github.com/moonport/moonport/host/value"
)

// perHello is what a handshake decides from the client's hello: the TLS
// 1.2 suite by the client's order (prefer_server_ciphers = false) and the
// protocols an alpn function offers (LuaSec calls it at each handshake
// with the client's list; Prosody's mod_net_multiplex gives one).
type perHello struct {
	l           *Listener
	clientOrder bool
	alpn        *value.Function
}

// attach makes l's config ask h at each handshake, when there is anything
// to ask.
func (h *perHello) attach(l *Listener) {
	if !h.clientOrder && h.alpn == nil {
		return
	}
	h.l = l
	l.Config.GetConfigForClient = h.config
}

// config is GetConfigForClient. The function is only asked when the
// client offers protocols, as LuaSec only calls it then. config starts from the listener's config as it is at the handshake —
// the host may have replaced it after Build (adding a multiplexer's ALPN
// protocols) — so nothing set there is lost.
func (h *perHello) config(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	base := h.l.Config
	c := base.Clone()
	c.GetConfigForClient = nil
	if h.alpn != nil && len(hello.SupportedProtos) > 0 {
		c.NextProtos = h.protocols(hello.SupportedProtos, base.NextProtos)
	}
	if h.clientOrder {
		c.CipherSuites = clientFirst(base.CipherSuites, hello.CipherSuites)
	}
	return c, nil
}

// protocols asks the alpn function and keeps, in its order, what the
// client offered, then the listener's own. Like LuaSec, no protocol in
// common means no ALPN rather than a failed handshake. A function that
// fails (its module logged the Lua error) or returns nothing offers none.
func (h *perHello) protocols(client, own []string) []string {
	offered := make([]any, len(client))
	for i, p := range client {
		offered[i] = p
	}
	var ours []string
	if res, err := h.alpn.Call(&value.Table{Array: offered}); err == nil && len(res) > 0 {
		for _, p := range value.List(res[0]) {
			if s, ok := p.(string); ok {
				ours = append(ours, s)
			}
		}
	}
	var out []string
	for _, p := range append(ours, own...) {
		if slices.Contains(client, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// clientFirst narrows ours to the TLS 1.2 suite the client lists first
// among them; crypto/tls otherwise picks by its own order. No suite in
// common: ours, and the handshake fails as it would.
func clientFirst(ours, client []uint16) []uint16 {
	for _, s := range client {
		if slices.Contains(ours, s) {
			return []uint16{s}
		}
	}
	return ours
}
