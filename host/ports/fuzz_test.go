package ports

import (
	"net/netip"
	"testing"
)

// FuzzBindString parses *_ports entries: every accepted one is a real
// port, and an explicit address survives a round trip.
func FuzzBindString(f *testing.F) {
	for _, seed := range []string{"5060", "192.0.2.1:5060", "[2001:db8::4]:5060", "0.0.0.0:5060", "[::]:5060", "", ":", "[::1]", "65536", "-1", "1.2.3.4:0", " 80 ", "[fe80::1%eth0]:80"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parsePort(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if e.port < 1 || e.port > 65535 {
			t.Fatalf("%q gave port %d", s, e.port)
		}
		if e.explicit != nil {
			again, err := parsePort(netip.AddrPortFrom(e.explicit.addr, uint16(e.port)).String())
			if err != nil || again.port != e.port || again.explicit == nil || again.explicit.addr != e.explicit.addr {
				t.Fatalf("%q does not round-trip: %v %+v", s, err, again)
			}
		}
	})
}
