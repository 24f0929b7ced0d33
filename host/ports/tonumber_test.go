package ports

import (
	"strings"
	"testing"
)

func TestLuaNumber(t *testing.T) {
	cases := []struct {
		in   string
		n    float64
		kind numberKind
	}{
		{"5222", 5222, integer}, {" 5223 ", 5223, integer}, {"\t5224\n", 5224, integer},
		{"+5225", 5225, integer}, {"-1", -1, integer},
		{"0x146c", 5228, integer}, {"0X146C", 5228, integer},
		{"1e4", 10000, float}, {"5222.0", 5222, float}, {".5", 0.5, float}, {"0x1p4", 16, float},
		{"99999999999999999999", 1e20, float}, // too big for an integer: a float, as in Lua
		{"five", 0, notNumber}, {"", 0, notNumber}, {"  ", 0, notNumber}, {"0x", 0, notNumber},
		{"inf", 0, notNumber}, {"nan", 0, notNumber}, {"1_000", 0, notNumber}, {"5 222", 0, notNumber},
		{"192.0.2.1:5060", 0, notNumber}, {"[::]:5060", 0, notNumber},
	}
	for _, c := range cases {
		n, kind := luaNumber(c.in)
		if kind != c.kind || (kind != notNumber && n != c.n) {
			t.Errorf("luaNumber(%q) = %v, %v; want %v, %v", c.in, n, kind, c.n, c.kind)
		}
	}
}

// TestPortsGoThroughTonumber: *_ports entries are read as Prosody's
// portmanager reads them (Lua 5.4's tonumber, a set), so what Prosody
// binds binds, and what it logs and skips is a problem naming the option,
// the service and the value while the rest binds; bind strings still work.
func TestPortsGoThroughTonumber(t *testing.T) {
	p := Plan(snapshot(t, `interfaces = { "127.0.0.1" }
c2s_ports = { " 5223 ", "0x146c", 5225, 5225, "1e4", "five", "5224.0", "127.0.0.2:5060", 7e3 }`), []Service{c2s})
	want := "c2s/c2s tcp4 127.0.0.1:5223; c2s/c2s tcp4 127.0.0.1:5228; c2s/c2s tcp4 127.0.0.1:5225; c2s/c2s tcp4 127.0.0.2:5060; c2s/c2s tcp4 127.0.0.1:7000"
	if got := render(p); got != want {
		t.Errorf("plan:\n got %s\nwant %s", got, want)
	}
	problems := []string{
		`test.cfg.lua:2: option 'c2s_ports' of service 'c2s': "1e4" is the Lua float 10000, not a whole number, so Prosody cannot bind it either; write 10000`,
		`test.cfg.lua:2: option 'c2s_ports' of service 'c2s': "five" is not a port or address:port`,
		`test.cfg.lua:2: option 'c2s_ports' of service 'c2s': "5224.0" is the Lua float 5224`,
	}
	if len(p.Problems) != len(problems) {
		t.Fatalf("problems: %v", p.Problems)
	}
	for i, w := range problems {
		if !strings.HasPrefix(p.Problems[i].Error(), w) {
			t.Errorf("problem %d = %q, want it to start %q", i, p.Problems[i].Error(), w)
		}
	}
}
