package config

import "testing"

func TestIsNetworkOption(t *testing.T) {
	for name, want := range map[string]bool{
		"interfaces": true, "c2s_ports": true, "https_ssl": true, "console_interfaces": true,
		"network_settings": true, "ssl": false, "admins": false, "_ports": false, "modules_enabled": false,
	} {
		if IsNetworkOption(name) != want {
			t.Errorf("IsNetworkOption(%q) = %v", name, !want)
		}
	}
}
