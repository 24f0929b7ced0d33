package config_test

import (
	"fmt"
	"testing"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/listen"
)

// TestOptionBoundsMatchTheNetworkSettings: the ranges of the global
// options end where the network settings' do (config cannot import
// listen, so the bounds are written twice and held equal here).
func TestOptionBoundsMatchTheNetworkSettings(t *testing.T) {
	for _, c := range []struct {
		option string
		max    float64
	}{
		{"max_connections", listen.MaxConnections},
		{"http_max_content_size", listen.MaxBufferBytes},
		{"http_header_timeout", listen.Hour},
		{"http_idle_timeout", listen.Day},
		{"removed_listener_grace", 30 * listen.Day},
	} {
		if _, err := luaconfig.Evaluate("x.cfg.lua", []byte(fmt.Sprintf("%s = %s\n", c.option, listen.FormatNumber(c.max)))); err != nil {
			t.Errorf("%s at its bound: %v", c.option, err)
		}
		if _, err := luaconfig.Evaluate("x.cfg.lua", []byte(fmt.Sprintf("%s = %s\n", c.option, listen.FormatNumber(c.max+1)))); err == nil {
			t.Errorf("%s past its bound %s: no error", c.option, listen.FormatNumber(c.max))
		}
	}
	if err := listen.Check("max_connections", float64(listen.MaxConnections+1)); err == nil {
		t.Error("listen takes a max_connections past listen.MaxConnections")
	}
}
