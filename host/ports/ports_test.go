package ports

import (
	"strings"
	"testing"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
)

func snapshot(t *testing.T, src string) *config.Snapshot {
	t.Helper()
	s, err := luaconfig.Evaluate("test.cfg.lua", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// render lists bindings as "service/listener network addr:port".
func render(p *BindPlan) string {
	var out []string
	for _, b := range p.Bindings {
		out = append(out, b.Service+"/"+b.Listener+" "+b.Network+" "+b.AddrPort())
	}
	return strings.Join(out, "; ")
}

var (
	c2s     = Service{Name: "c2s", DefaultPorts: []int{5222}}
	console = Service{Name: "console", DefaultPorts: []int{5582}, Private: true}
	legacy  = Service{Name: "legacy_ssl", DefaultPorts: []int{5223}, Encryption: DirectTLS}
	comp    = Service{Name: "component", DefaultPorts: []int{5347}, Private: true}
	https   = Service{Name: "https", ConfigPrefix: "https", DefaultPorts: []int{5281}}
	twoPort = Service{Name: "two", DefaultPorts: []int{7000, 7001}}
)

func TestPlanRules(t *testing.T) {
	cases := []struct {
		name     string
		cfg      string
		services []Service
		want     string
	}{
		{"defaults: every IPv4 and IPv6 address", ``, []Service{c2s},
			"c2s/c2s tcp4 0.0.0.0:5222; c2s/c2s tcp6 [::]:5222"},
		{"private services default to loopback", ``, []Service{console},
			"console/console tcp4 127.0.0.1:5582; console/console tcp6 [::1]:5582"},
		{"interfaces applies to public services", `interfaces = { "127.0.0.2" }`, []Service{c2s, console},
			"c2s/c2s tcp4 127.0.0.2:5222; console/console tcp4 127.0.0.1:5582; console/console tcp6 [::1]:5582"},
		{"local_interfaces applies to private services", `local_interfaces = { "::1" }; interfaces = { "127.0.0.2" }`, []Service{console},
			"console/console tcp6 [::1]:5582"},
		{"service interfaces beat local_interfaces", `local_interfaces = { "::1" }; console_interfaces = "127.0.0.3"`, []Service{console},
			"console/console tcp4 127.0.0.3:5582"},
		{"service interfaces beat interfaces", `interfaces = { "127.0.0.2" }; c2s_interfaces = { "127.0.0.4", "::1" }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.4:5222; c2s/c2s tcp6 [::1]:5222"},
		{"ports option and a single value", `interfaces = "127.0.0.1"; c2s_ports = 5322`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5322"},
		{"ports list", `interfaces = { "127.0.0.1" }; c2s_ports = { 5222, 5322 }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5222; c2s/c2s tcp4 127.0.0.1:5322"},
		{"default_ports", `interfaces = { "127.0.0.1" }`, []Service{twoPort},
			"two/two tcp4 127.0.0.1:7000; two/two tcp4 127.0.0.1:7001"},
		{"config_prefix", `interfaces = { "127.0.0.1" }; https_ports = { 8443 }`, []Service{https},
			"https/https tcp4 127.0.0.1:8443"},
		{"use_ipv6 = false", `use_ipv6 = false`, []Service{c2s, console},
			"c2s/c2s tcp4 0.0.0.0:5222; console/console tcp4 127.0.0.1:5582"},
		{"bind strings", `interfaces = { "127.0.0.1" }; c2s_ports = { "5060", "192.0.2.1:5061", "[2001:db8::4]:5062", "0.0.0.0:5063", "[::]:5064" }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5060; c2s/c2s tcp4 192.0.2.1:5061; c2s/c2s tcp6 [2001:db8::4]:5062; c2s/c2s tcp4 0.0.0.0:5063; c2s/c2s tcp6 [::]:5064"},
		{"named listeners", `interfaces = { "127.0.0.1" }
			listeners = { submissions = { service = "c2s", bind = { "[::1]:5465", "5466" }, read_timeout = 5 } }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5222; c2s/submissions tcp6 [::1]:5465; c2s/submissions tcp4 127.0.0.1:5466"},
		{"first registration of a name wins", `interfaces = { "127.0.0.1" }`, []Service{c2s, {Name: "c2s", DefaultPorts: []int{9999}}},
			"c2s/c2s tcp4 127.0.0.1:5222"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Plan(snapshot(t, c.cfg), c.services)
			if len(p.Problems) > 0 {
				t.Fatalf("problems: %v", p.Problems)
			}
			if got := render(p); got != c.want {
				t.Errorf("plan:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestPlanProblems(t *testing.T) {
	cases := []struct {
		name     string
		cfg      string
		services []Service
		want     string // bindings that survive
		problem  string
	}{
		{"two services on one port", `interfaces = { "127.0.0.1" }; legacy_ssl_ports = { 5222 }`, []Service{c2s, legacy},
			"c2s/c2s tcp4 127.0.0.1:5222", "test.cfg.lua:1: Multiple services configured to listen on the same port (127.0.0.1:5222): c2s, legacy_ssl"},
		{"bad port number", `interfaces = { "127.0.0.1" }
c2s_ports = { 5222, 70000, "abc", "1.2.3.4:0" }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5222", "test.cfg.lua:2: option 'c2s_ports' of service 'c2s': 70000 is not a port number (1-65535)"},
		{"bad interface", `interfaces = { "example.com" }`, []Service{c2s},
			"", `test.cfg.lua:1: interfaces of service 'c2s': interface "example.com" is not an IP address`},
		{"named listener of unknown service", `listeners = { x = { service = "nope", bind = "127.0.0.1:1" } }`, nil,
			"", `listeners.x: service "nope" is not provided by any enabled module`},
		{"named listener clashes", `interfaces = { "127.0.0.1" }
listeners = { again = { service = "c2s", bind = "127.0.0.1:5222" } }`, []Service{c2s},
			"c2s/c2s tcp4 127.0.0.1:5222", "c2s, c2s (listener again)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Plan(snapshot(t, c.cfg), c.services)
			if got := render(p); got != c.want {
				t.Errorf("plan:\n got %s\nwant %s", got, c.want)
			}
			if len(p.Problems) == 0 {
				t.Fatal("no problem reported")
			}
			if !strings.Contains(p.Problems[0].Error(), c.problem) {
				t.Errorf("problem = %q, want it to contain %q", p.Problems[0].Error(), c.problem)
			}
		})
	}
}

func TestBindingFacts(t *testing.T) {
	p := Plan(snapshot(t, `c2s_interfaces = { "127.0.0.1", "*" }`), []Service{c2s})
	if p.Bindings[0].Public() || !p.Bindings[1].Public() {
		t.Errorf("loopback must be local and * public: %+v", p.Bindings)
	}
	if p.Bindings[0].Key() == p.Bindings[1].Key() {
		t.Error("keys must differ")
	}
}
