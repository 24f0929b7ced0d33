package core

import (
	"errors"
	"fmt"
	"io"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/httpserve"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/logging"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf"
	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/bridge"
)

// generation is everything one config evaluation decided.
type generation struct {
	snap     *config.Snapshot
	settings listen.Settings
	plan     *ports.BindPlan
	tls      map[string]*tlsconf.Listener
	service  func(name string) *bridge.NetService
	planned  map[string]bool // the services the plan was made with
	sinks    *logging.Sinks
	warnings []string
	tlsErrs  []error
	infos    []string // logged at info when the generation starts
	router   *httpserve.Router
}

// serviceSettings gathers a service's own network settings: options
// named <service>_<setting> (c2s_read_timeout, smtp_allow, …). Its
// <service>_max_connections caps the whole service instead.
func (g *generation) serviceSettings(service string) (*value.Table, config.Location, int, error) {
	var t *value.Table
	var loc config.Location
	max := 0
	for _, name := range listen.SettingNames() {
		o, ok := g.snap.Get("*", service+"_"+name)
		if !ok {
			continue
		}
		if name == "max_connections" {
			if err := listen.Check(name, o.Value); err != nil {
				return nil, loc, 0, &config.Error{Location: o.Location, Message: fmt.Sprintf("%s_%s = %s: %v", service, name, value.Format(o.Value), err)}
			}
			max = int(o.Value.(float64))
			continue
		}
		if t == nil {
			t = &value.Table{Hash: map[any]any{}}
		}
		t.Hash[name] = o.Value
		loc = o.Location
	}
	return t, loc, max, nil
}

// settingsFor is the network settings of a binding: network_settings,
// then the service's own, then the named listener's.
func (g *generation) settingsFor(b ports.Binding) (listen.Settings, int, []string, error) {
	st := g.settings
	svc, loc, max, err := g.serviceSettings(b.Service)
	if err != nil {
		return st, 0, nil, err
	}
	st, w1, err := st.Apply(svc, loc.String()+": "+b.Service+"_…")
	if err != nil {
		return st, 0, nil, err
	}
	st, w2, err := st.Apply(b.Overrides, b.Source.String()+": listeners."+b.Listener)
	return st, max, append(w1, w2...), err
}

// attach gives a binding of this generation its endpoint.
func (g *generation) attach(b ports.Binding) listen.Endpoint {
	st, max, _, _ := g.settingsFor(b) // checked in planFor
	svc := g.service(b.Service)
	ep := listen.Endpoint{Handlers: svc, Settings: st, ServiceMax: max, Reserved: b.Service == admin.Service}
	if svc.Serve == ports.ServeHTTP {
		ep.HTTP, ep.HTTPLimits = g.httpFor(b)
	}
	if svc.Transport == ports.UDP {
		ep.Packets = svc.PacketHandler()
	}
	if t := g.tls[b.Key()]; t != nil {
		ep.TLS, ep.Implicit = t.Config, t.Implicit
	}
	return ep
}

// settings reads network_settings.
func settings(snap *config.Snapshot) (listen.Settings, []string, error) {
	o, ok := snap.Get("*", "network_settings")
	if !ok {
		return listen.DefaultSettings(), nil, nil
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable {
		return listen.Settings{}, nil, &config.Error{Location: o.Location, Message: "network_settings must be a table like { read_timeout = 300 }"}
	}
	return listen.DefaultSettings().Apply(t, o.Location.String()+": network_settings")
}

// prepare evaluates what does not depend on modules: logging and network
// settings.
func prepare(snap *config.Snapshot, check io.Writer) (*generation, error) {
	g := &generation{snap: snap}
	for _, w := range snap.Warnings {
		g.warnings = append(g.warnings, w.String())
	}
	logOpt, _ := snap.Get("*", "log")
	where := logOpt.Location.String() + ": log"
	var sinks *logging.Sinks
	var err error
	if check != nil {
		sinks, err = logging.ParseDry(logOpt.Value, where, check)
	} else {
		sinks, err = logging.Parse(logOpt.Value, where)
	}
	if err != nil {
		return nil, err
	}
	st, warns, err := settings(snap)
	if err != nil {
		sinks.Close()
		return nil, err
	}
	g.sinks, g.settings = sinks, st
	g.warnings = append(append(g.warnings, sinks.Warnings...), warns...)
	return g, nil
}

// plan builds the bind plan and TLS for the services modules provide.
func (g *generation) planFor(services []ports.Service, service func(string) *bridge.NetService) error {
	g.service = service
	g.plan = ports.Plan(g.snap, services)
	g.planned = map[string]bool{}
	for _, s := range services {
		g.planned[s.Name] = true
	}
	g.guardConsole()
	seen := map[string]bool{}
	for _, b := range g.plan.Bindings {
		_, _, w, err := g.settingsFor(b)
		if err != nil {
			return &config.Error{Message: err.Error()}
		}
		for _, x := range w {
			if !seen[x] {
				seen[x] = true
				g.warnings = append(g.warnings, x)
			}
		}
	}
	// A binding whose TLS is broken stays closed; its error is reported
	// like a bind failure.
	b := tlsconf.NewBuilder(g.snap)
	g.tls = map[string]*tlsconf.Listener{}
	skipped := map[string]bool{}
	var kept []ports.Binding
	for _, bind := range g.plan.Bindings {
		svc := service(bind.Service)
		l, err := b.Build(bind, svc.OptionPrefix(), svc.SSLConfig)
		if err != nil && g.skipUncertified(bind, svc.Service, err, skipped) {
			continue
		}
		if err != nil {
			g.tlsErrs = append(g.tlsErrs, err)
			continue
		}
		g.tls[bind.Key()] = l
		kept = append(kept, bind)
	}
	g.plan.Bindings = kept
	g.warnings = append(g.warnings, b.Warnings...)
	return nil
}

// skipUncertified reports whether bind, of a service that needs a
// certificate (mod_http's https), is left out of the plan: it found no
// certificate, it is the service's default listener, and the config does
// not set the service's ports. The first of a service gets an info line.
func (g *generation) skipUncertified(bind ports.Binding, svc ports.Service, err error, skipped map[string]bool) bool {
	if !svc.NeedsCertificate || !errors.Is(err, tlsconf.ErrNoCertificate) || bind.Listener != bind.Service {
		return false
	}
	prefix := svc.OptionPrefix()
	if _, set := g.snap.Get("*", prefix+"ports"); set {
		return false
	}
	if !skipped[svc.Name] {
		skipped[svc.Name] = true
		g.infos = append(g.infos, fmt.Sprintf("Not opening service '%s' (module %s): no certificate for it and %sports is not set; "+
			"set %sssl or ssl, or put %s.crt and %s.key in the certificates folder, to serve it", svc.Name, svc.Module, prefix, prefix, svc.Name, svc.Name))
	}
	return true
}

// alpnForMultiplex offers, on the multiplexer's TLS ports, the ALPN
// protocols of the services it can route to.
func (g *generation) alpnForMultiplex(services []*bridge.NetService) {
	var protos []string
	for _, s := range services {
		if p, ok := s.Multiplex.Field("protocol").(string); ok && s.Multiplex != nil {
			protos = append(protos, p)
		}
	}
	if len(protos) == 0 {
		return
	}
	for _, b := range g.plan.Bindings {
		if svc := g.service(b.Service); svc == nil || !svc.Multiplexer {
			continue
		}
		if l := g.tls[b.Key()]; l != nil && l.Config != nil {
			c := l.Config.Clone()
			c.NextProtos = append(append([]string(nil), protos...), c.NextProtos...)
			l.Config = c
		}
	}
}
