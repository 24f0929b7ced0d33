package core

import (
	"cmp"
	"net/http"

	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/status"
)

// httpFor gives a binding served by net/http its handler and limits.
func (g *generation) httpFor(b ports.Binding) (http.Handler, listen.HTTPLimits) {
	o := g.snap.Options.HTTP
	st, _, _, _ := g.settingsFor(b) // checked in planFor
	limits := listen.HTTPLimits{
		MaxHeaderBytes:    o.MaxHeaderSize,
		ReadHeaderTimeout: o.HeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		BodyTimeout:       cmp.Or(o.BodyTimeout, st.ReadTimeout),
		MaxBody:           o.MaxContentSize, // the router's limit (httpserve.Policy.MaxBody), for the fast path
	}
	p := httpserve.Policy{MaxBody: o.MaxContentSize, Pages: g.pagesOn(b, st)}
	if b.Encryption == ports.DirectTLS {
		p.HSTS = o.HSTS
	} else if o.RedirectHTTPS {
		for _, o := range g.plan.Bindings {
			if o.Encryption == ports.DirectTLS && g.service(o.Service).Serve == ports.ServeHTTP {
				p.RedirectHTTPS = o.Port
				break
			}
		}
	}
	return g.router.WithPolicy(p), limits
}

// pagesOn says whether a listener serves the built-in pages (/metrics,
// /status): they tell anyone who asks what the server runs, so only
// listeners bound to a loopback or private address that do not take
// clients through a load balancer (proxy_protocol) serve them, unless
// http_builtin_public = true. Sockets a multiplexer hands over count as
// public.
func (g *generation) pagesOn(b ports.Binding, st listen.Settings) bool {
	if g.snap.Options.HTTP.BuiltinPublic {
		return true
	}
	return (b.Address.IsLoopback() || b.Address.IsPrivate()) && !st.ProxyProtocol
}

// buildRouter gathers the modules' routes and the built-in pages.
func (h *Host) buildRouter(g *generation, apps []httpserve.App) {
	extra := map[string]http.Handler{}
	o := g.snap.Options.HTTP
	if o.Metrics {
		extra["/metrics"] = status.MetricsHandler(h.Status)
	}
	if o.StatusPage {
		extra["/status"] = status.PageHandler(h.Status)
	}
	for _, k := range []string{"metrics", "status"} {
		if p, ok := o.Paths[k]; ok {
			if hd, ok := extra["/"+k]; ok {
				delete(extra, "/"+k)
				extra[p] = hd
			}
		}
	}
	g.router = httpserve.NewRouter(apps, extra, httpserve.Policy{})
}

// divertHTTP is the net/http that serves connections a multiplexer hands
// to an HTTP service, with the same routes and limits as that service's
// own ports. The connections stay counted and listed on the multiplex
// listener that admitted them (see listen.HTTPFront).
func (h *Host) divertHTTP(service string) *listen.HTTPFront {
	h.divertMu.Lock()
	defer h.divertMu.Unlock()
	f := h.diverted[service]
	if f == nil {
		g := h.current()
		handler, limits := g.httpFor(g.divertedBinding(service))
		f = listen.ServeHTTPFront(service, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.currentHTTP(service, handler).ServeHTTP(w, r) }), limits)
		h.diverted[service] = f
	}
	return f
}

// currentHTTP is the HTTP handler of the running generation (routes
// change with reloads).
func (h *Host) currentHTTP(service string, fallback http.Handler) http.Handler {
	g := h.current()
	if g.router == nil {
		return fallback
	}
	handler, _ := g.httpFor(g.divertedBinding(service))
	return handler
}

// divertedBinding stands for the ports of HTTP service name when a
// multiplexer hands it a connection: the encryption the service declares
// decides HSTS and the redirect to HTTPS, as on its own ports.
func (g *generation) divertedBinding(service string) ports.Binding {
	b := ports.Binding{Service: service}
	if svc := g.service(service); svc != nil {
		b.Encryption = svc.Encryption
	}
	return b
}

func (h *Host) closeDiverted() {
	h.divertMu.Lock()
	defer h.divertMu.Unlock()
	for _, f := range h.diverted {
		f.Close()
	}
}
