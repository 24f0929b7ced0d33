// Package ports decides what to bind: it turns a config snapshot and the
// services that modules registered into a BindPlan, following Prosody's
// portmanager rules, plus bind strings ("192.0.2.1:5060", "[::]:5060") and
// named listeners.
//
// It only plans; it never opens a socket (that is host/listen's job) and
// never evaluates config (host/config's).
package ports

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/value"
)

// Service is what a module registers with module:provides("net", …).
type Service struct {
	Name         string
	ConfigPrefix string // option prefix; defaults to Name
	DefaultPorts []int
	Private      bool // binds local_interfaces by default
	Encryption   Encryption
	Module       string // the module that provides it, for messages
	Host         string
	Transport    Transport
	// PrefixSet marks a config_prefix given explicitly, so "" can mean no
	// prefix at all (options "ports", "interfaces"), as for Prosody's
	// multiplex service.
	PrefixSet bool
	// NeedsCertificate marks a TLS service (mod_http's https) that is
	// planned only when its ports are set or a certificate for it exists.
	NeedsCertificate bool
}

// OptionPrefix is what the service's option names start with ("c2s_",
// or "" for a service with config_prefix = "").
func (s Service) OptionPrefix() string { return s.prefix() }

func (s Service) prefix() string {
	switch {
	case s.PrefixSet && s.ConfigPrefix == "":
		return ""
	case s.ConfigPrefix != "":
		return s.ConfigPrefix + "_"
	}
	return s.Name + "_"
}

// Binding is one socket to open: a listener of a service on an address.
type Binding struct {
	Service    string
	Listener   string // the service name, or the id of a named listener
	Network    string // "tcp4", "tcp6", "udp4" or "udp6"
	Address    netip.Addr
	Port       int
	Encryption Encryption
	Overrides  *value.Table // a named listener's own network settings
	TLS        *value.Table // a named listener's own tls table
	Source     config.Location
}

// Key identifies the socket, so two bindings of one key clash and a reload
// can keep a socket whose key is unchanged.
func (b Binding) Key() string { return b.Network + " " + b.AddrPort() }

// AddrPort is the address in the form a client would type.
func (b Binding) AddrPort() string { return netip.AddrPortFrom(b.Address, uint16(b.Port)).String() }

// Public reports whether hosts other than this one can reach the binding.
func (b Binding) Public() bool { return !b.Address.IsLoopback() }

// Reach is how listings show Public: "public" or "local".
func (b Binding) Reach() string {
	if b.Public() {
		return "public"
	}
	return "local"
}

// Problem is an error found while planning; the binding it concerns is
// left out of the plan and the rest go on.
type Problem struct {
	config.Location
	Message string
}

func (p Problem) Error() string { return p.Location.String() + ": " + p.Message }

// BindPlan is every socket the host should have open.
type BindPlan struct {
	Bindings []Binding
	Problems []Problem
}

type planner struct {
	snap   *config.Snapshot
	plan   *BindPlan
	claims map[string]string // key -> "service/listener" that claimed it
}

func (p *planner) problem(loc config.Location, format string, args ...any) {
	p.plan.Problems = append(p.plan.Problems, Problem{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// Plan applies Prosody's rules to every service, then adds named listeners.
func Plan(snap *config.Snapshot, services []Service) *BindPlan {
	p := &planner{snap: snap, plan: &BindPlan{}, claims: map[string]string{}}
	byName := map[string]Service{}
	for _, svc := range services {
		if _, dup := byName[svc.Name]; dup {
			continue // like Prosody, the first registration of a name is the active one
		}
		byName[svc.Name] = svc
		p.service(svc)
	}
	p.namedListeners(byName)
	return p.plan
}

func (p *planner) global(name string) (config.Option, bool) {
	return p.snap.Get("*", name)
}

// interfaces resolves a service's interfaces: <prefix>interfaces, then
// local_interfaces for private services, then interfaces, then defaults.
func (p *planner) interfaces(svc Service) (config.Option, []any) {
	names := []string{svc.prefix() + "interfaces", svc.prefix() + "interface"}
	if svc.prefix() == "" {
		names = nil // "interfaces" itself is the next rule
	}
	for _, name := range names {
		if o, ok := p.global(name); ok {
			return o, value.List(o.Value)
		}
	}
	if svc.Private {
		if o, ok := p.global("local_interfaces"); ok {
			return o, value.List(o.Value)
		}
		return config.Option{}, p.defaults(true)
	}
	for _, name := range []string{"interfaces", "interface"} {
		if o, ok := p.global(name); ok {
			return o, value.List(o.Value)
		}
	}
	return config.Option{}, p.defaults(false)
}

// defaults is Prosody's default interfaces: local_interfaces' defaults
// for a private service, interfaces' otherwise.
func (p *planner) defaults(local bool) []any {
	v4, v6 := "*", "::"
	if local {
		v4, v6 = "127.0.0.1", "::1"
	}
	var out []any
	if p.snap.Options.UseIPv4 {
		out = append(out, v4)
	}
	if p.snap.Options.UseIPv6 {
		out = append(out, v6)
	}
	return out
}

// endpoint is an address family plus address; a zero Addr with a network
// means "every address of that family".
type endpoint struct {
	network string
	addr    netip.Addr
}

func parseInterface(v any) (endpoint, error) {
	s, ok := v.(string)
	if !ok {
		return endpoint{}, fmt.Errorf("interface %s is not a string", value.Format(v))
	}
	switch s {
	case "*", "0.0.0.0":
		return endpoint{"tcp4", netip.IPv4Unspecified()}, nil
	case "::", "[::]":
		return endpoint{"tcp6", netip.IPv6Unspecified()}, nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return endpoint{}, fmt.Errorf("interface %q is not an IP address (use \"*\" for every IPv4 address, \"::\" for every IPv6 address)", s)
	}
	return familyOf(a.Unmap()), nil
}

func familyOf(a netip.Addr) endpoint {
	if a.Is4() {
		return endpoint{"tcp4", a}
	}
	return endpoint{"tcp6", a}
}

// portEntry is one entry of a *_ports list or a bind list: a port alone, or
// an address and port that ignore the interfaces.
type portEntry struct {
	port     int
	explicit *endpoint
}

func parsePort(v any) (portEntry, error) {
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) || x < 1 || x > 65535 {
			return portEntry{}, fmt.Errorf("%s is not a port number (1-65535)", value.Format(v))
		}
		return portEntry{port: int(x)}, nil
	case string:
		// Prosody's tonumber first; what is no number may be a bind string.
		switch n, kind := luaNumber(x); kind {
		case integer:
			return parsePort(n)
		case float:
			return portEntry{}, floatPort(x, n)
		}
		ap, err := netip.ParseAddrPort(strings.Trim(x, luaSpace))
		if err != nil {
			return portEntry{}, fmt.Errorf("%q is not a port or address:port (write 5060, \"192.0.2.1:5060\", \"[2001:db8::4]:5060\", \"0.0.0.0:5060\" or \"[::]:5060\")", x)
		}
		if ap.Port() == 0 {
			return portEntry{}, fmt.Errorf("%q has port 0", x)
		}
		ep := familyOf(ap.Addr().Unmap())
		return portEntry{port: int(ap.Port()), explicit: &ep}, nil
	}
	return portEntry{}, fmt.Errorf("%s is not a port or address:port", value.Format(v))
}

// floatPort explains a string Lua reads as a float ("1e4", "5222.0"):
// Prosody cannot bind it (LuaSocket is handed "10000.0"), so neither does
// moonport, and says what to write.
func floatPort(s string, n float64) error {
	if n == float64(int(n)) && n >= 1 && n <= 65535 {
		return fmt.Errorf("%q is the Lua float %s, not a whole number, so Prosody cannot bind it either; write %d", s, value.Format(n), int(n))
	}
	return fmt.Errorf("%q is the Lua float %s, not a port number (1-65535)", s, value.Format(n))
}

func (p *planner) service(svc Service) {
	ifaceOpt, ifaces := p.interfaces(svc)
	portsName := svc.prefix() + "ports"
	var portList []any
	portsOpt, ok := p.global(portsName)
	if ok {
		portList = value.List(portsOpt.Value)
	} else {
		for _, port := range svc.DefaultPorts {
			portList = append(portList, float64(port))
		}
	}
	p.expand(svc, svc.Name, ifaceOpt, ifaces, portsName, portsOpt.Location, portList, nil)
}

// expand binds every port entry: explicit ones once, bare ports on every
// interface.
func (p *planner) expand(svc Service, listener string, ifaceOpt config.Option, ifaces []any, portsName string, loc config.Location, ports []any, overrides *value.Table) {
	p.expandTLS(svc, listener, ifaceOpt, ifaces, portsName, loc, ports, overrides, nil)
}

func (p *planner) expandTLS(svc Service, listener string, ifaceOpt config.Option, ifaces []any, portsName string, loc config.Location, ports []any, overrides, tlsTable *value.Table) {
	var eps []endpoint
	resolved := false
	for i, v := range ports {
		if slices.Contains(ports[:i], v) {
			continue // Prosody makes the list a set: a repeated entry is one
		}
		entry, err := parsePort(v)
		if err != nil {
			p.problem(loc, "option '%s' of service '%s': %v", portsName, svc.Name, err)
			continue
		}
		if entry.explicit != nil {
			p.add(svc, listener, *entry.explicit, entry.port, loc, overrides, tlsTable)
			continue
		}
		if !resolved {
			resolved = true
			for _, iv := range ifaces {
				ep, err := parseInterface(iv)
				if err != nil {
					p.problem(ifaceOpt.Location, "interfaces of service '%s': %v", svc.Name, err)
					continue
				}
				eps = append(eps, ep)
			}
		}
		for _, ep := range eps {
			p.add(svc, listener, ep, entry.port, loc, overrides, tlsTable)
		}
	}
}

func (p *planner) add(svc Service, listener string, ep endpoint, port int, loc config.Location, overrides, tlsTable *value.Table) {
	network := ep.network
	if svc.Transport == UDP {
		network = "udp" + strings.TrimPrefix(network, "tcp")
	}
	b := Binding{Service: svc.Name, Listener: listener, Network: network, Address: ep.addr, Port: port,
		Encryption: svc.Encryption, Overrides: overrides, TLS: tlsTable, Source: loc}
	who := svc.Name
	if listener != svc.Name {
		who = fmt.Sprintf("%s (listener %s)", svc.Name, listener)
	}
	if prev, taken := p.claims[b.Key()]; taken {
		p.problem(loc, "Multiple services configured to listen on the same port (%s): %s, %s", b.AddrPort(), prev, who)
		return
	}
	p.claims[b.Key()] = who
	p.plan.Bindings = append(p.plan.Bindings, b)
}

// namedListeners adds `listeners = { id = { service = "…", bind = {…} } }`.
func (p *planner) namedListeners(services map[string]Service) {
	o, ok := p.global("listeners")
	if !ok {
		return
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable || len(t.Array) > 0 {
		p.problem(o.Location, "option 'listeners' must be a table of named listeners, like listeners = { submissions = { service = \"smtp\", bind = { \"[::]:465\" } } }")
		return
	}
	ids := make([]string, 0, len(t.Hash))
	for k := range t.Hash {
		id, _ := k.(string)
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if id == "" {
			p.problem(o.Location, "option 'listeners': every listener needs a name as its key")
			continue
		}
		def, ok := t.Hash[id].(*value.Table)
		if !ok {
			p.problem(o.Location, "listeners.%s must be a table, got %s", id, value.Format(t.Hash[id]))
			continue
		}
		name, _ := def.Field("service").(string)
		svc, known := services[name]
		if !known {
			p.problem(o.Location, "listeners.%s: service %s is not provided by any enabled module (check modules_enabled)", id, value.Format(def.Field("service")))
			continue
		}
		binds := value.List(def.Field("bind"))
		if len(binds) == 0 {
			p.problem(o.Location, "listeners.%s: 'bind' is empty; give addresses like bind = { \"[::]:465\" }", id)
			continue
		}
		overrides := &value.Table{Hash: map[any]any{}}
		for k, v := range def.Hash {
			if k != "service" && k != "bind" && k != "tls" {
				overrides.Hash[k] = v
			}
		}
		tlsTable, _ := def.Field("tls").(*value.Table)
		if def.Field("tls") != nil && tlsTable == nil {
			p.problem(o.Location, "listeners.%s.tls must be a table like tls = { implicit = true, certificate = \"…\", key = \"…\" }", id)
			continue
		}
		if tlsTable != nil {
			switch tlsTable.Field("implicit") {
			case true:
				svc.Encryption = DirectTLS
			case false:
				if svc.Encryption == DirectTLS {
					svc.Encryption = StartTLS
				}
			}
		}
		ifaceOpt, ifaces := p.interfaces(svc)
		p.expandTLS(svc, id, ifaceOpt, ifaces, "listeners."+id+".bind", o.Location, binds, overrides, tlsTable)
	}
}
