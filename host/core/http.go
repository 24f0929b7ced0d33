package core

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
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
	}
	p := httpserve.Policy{MaxBody: o.MaxContentSize, Pages: g.pagesOn(b, st)}
	if b.Encryption == "ssl" {
		p.HSTS = o.HSTS
	} else if o.RedirectHTTPS {
		for _, o := range g.plan.Bindings {
			if o.Service == "https" {
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
		extra["/metrics"] = http.HandlerFunc(h.serveMetrics)
	}
	if o.StatusPage {
		extra["/status"] = http.HandlerFunc(h.serveStatus)
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

// serveMetrics writes the OpenMetrics text exposition.
func (h *Host) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# TYPE %s %s\n# HELP %s %s\n", name, typ, name, help)
	}
	ls := h.Pool.Listeners()
	label := func(l *listen.Listener) string {
		return fmt.Sprintf(`{service=%q,listener=%q,address=%q}`, l.Binding.Service, l.Binding.Listener, l.Binding.AddrPort())
	}
	type metric struct {
		name, typ, help string
		value           func(*listen.Stats) int64
	}
	live := map[*listen.Stats][2]int64{}
	for _, c := range h.Server.Conns() {
		if c.Stats != nil {
			in, out := c.Bytes()
			v := live[c.Stats]
			live[c.Stats] = [2]int64{v[0] + in, v[1] + out}
		}
	}
	for _, m := range []metric{
		{"moonport_connections_open", "gauge", "Connections open now.", func(s *listen.Stats) int64 { return s.Open.Load() }},
		{"moonport_connections_accepted", "counter", "Connections accepted.", func(s *listen.Stats) int64 { return s.Accepted.Load() }},
		{"moonport_connections_refused", "counter", "Connections refused by limits or access lists.", func(s *listen.Stats) int64 { return s.Rejected.Load() }},
		{"moonport_received_bytes", "counter", "Bytes received.", func(s *listen.Stats) int64 { return s.BytesIn.Load() + live[s][0] }},
		{"moonport_sent_bytes", "counter", "Bytes sent.", func(s *listen.Stats) int64 { return s.BytesOut.Load() + live[s][1] }},
		{"moonport_lua_errors", "counter", "Errors in Lua callbacks.", func(s *listen.Stats) int64 { return s.LuaErrors.Load() }},
		{"moonport_tls_handshakes", "counter", "TLS handshakes completed.", func(s *listen.Stats) int64 { return s.TLSHandshakes.Load() }},
		{"moonport_tls_handshake_failures", "counter", "TLS handshakes that failed.", func(s *listen.Stats) int64 { return s.TLSFailures.Load() }},
	} {
		family(m.name, m.typ, m.help)
		suffix := ""
		if m.typ == "counter" {
			suffix = "_total"
		}
		for _, l := range ls {
			fmt.Fprintf(&b, "%s%s%s %d\n", m.name, suffix, label(l), m.value(&l.Stats))
		}
	}
	rs := h.ReloadStatus()
	family("moonport_reloads", "counter", "Reloads attempted.")
	fmt.Fprintf(&b, "moonport_reloads_total %d\n", rs.Count)
	family("moonport_reload_failures", "counter", "Reloads that failed and changed nothing.")
	fmt.Fprintf(&b, "moonport_reload_failures_total %d\n", rs.Failures)
	bounds, counts, sum := h.Runtime.CallbackHistogram()
	family("moonport_lua_callback_seconds", "histogram", "Time Lua callbacks ran.")
	var cum int64
	for i, ub := range bounds {
		cum += counts[i]
		fmt.Fprintf(&b, "moonport_lua_callback_seconds_bucket{le=\"%g\"} %d\n", ub, cum)
	}
	cum += counts[len(bounds)]
	fmt.Fprintf(&b, "moonport_lua_callback_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	fmt.Fprintf(&b, "moonport_lua_callback_seconds_count %d\nmoonport_lua_callback_seconds_sum %g\n", cum, sum)
	b.WriteString("# EOF\n")
	_, _ = w.Write([]byte(b.String()))
}

var statusPage = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>moonport status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}
th{background:#f0f0f0}
</style></head><body>
<h1>moonport {{.Version}}</h1>
<p>Up {{.Uptime}} · {{.Connections}} connection(s) · last reload: {{.Reload}}</p>
<h2>Listeners</h2>
<table id="listeners"><thead><tr><th>Service</th><th>Listener</th><th>Address</th><th>Encryption</th><th>Open</th><th>Accepted</th><th>Refused</th></tr></thead><tbody>
{{range .Listeners}}<tr><td>{{.Service}}</td><td>{{.Listener}}</td><td>{{.Address}}</td><td>{{.Encryption}}</td><td>{{.Open}}</td><td>{{.Accepted}}</td><td>{{.Refused}}</td></tr>
{{end}}</tbody></table>
<h2>Modules</h2>
<table id="modules"><thead><tr><th>Module</th><th>Host</th><th>Services</th></tr></thead><tbody>
{{range .Modules}}<tr><td>{{.Name}}</td><td>{{.Host}}</td><td>{{.Services}}</td></tr>
{{end}}</tbody></table>
</body></html>
`))

// serveStatus renders the status page: plain HTML, no external assets.
func (h *Host) serveStatus(w http.ResponseWriter, _ *http.Request) {
	type lrow struct {
		Service, Listener, Address, Encryption string
		Open, Accepted, Refused                int64
	}
	type mrow struct{ Name, Host, Services string }
	data := struct {
		Version, Uptime, Reload string
		Connections             int
		Listeners               []lrow
		Modules                 []mrow
	}{Version: Version, Uptime: time.Since(h.started).Round(time.Second).String(), Connections: h.Server.Count(), Reload: "never"}
	if rs := h.ReloadStatus(); !rs.Last.IsZero() {
		data.Reload = rs.Last.UTC().Format(time.RFC3339)
		if rs.LastError != "" {
			data.Reload += " (failed: " + rs.LastError + ")"
		}
	}
	for _, l := range h.Pool.Listeners() {
		b := l.Binding
		enc := map[string]string{"ssl": "direct TLS", "starttls": "STARTTLS", "": "none"}[b.Encryption]
		data.Listeners = append(data.Listeners, lrow{b.Service, b.Listener, b.AddrPort(), enc, l.Stats.Open.Load(), l.Stats.Accepted.Load(), l.Stats.Rejected.Load()})
	}
	for _, inst := range h.Runtime.Primaries() {
		var names []string
		for _, s := range inst.Services() {
			names = append(names, s.Name)
		}
		sort.Strings(names)
		data.Modules = append(data.Modules, mrow{inst.Name, inst.Host, strings.Join(names, ", ")})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = statusPage.Execute(w, data)
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
		handler, limits := g.httpFor(ports.Binding{Service: service, Encryption: map[bool]string{true: "ssl"}[service == "https"]})
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
	handler, _ := g.httpFor(ports.Binding{Service: service, Encryption: map[bool]string{true: "ssl"}[service == "https"]})
	return handler
}

func (h *Host) closeDiverted() {
	h.divertMu.Lock()
	defer h.divertMu.Unlock()
	for _, f := range h.diverted {
		f.Close()
	}
}
