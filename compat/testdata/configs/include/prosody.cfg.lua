-- Include of a relative file from inside a VirtualHost: the included file starts in the global section, so its ports apply; what follows the Include is still in the VirtualHost, so its ports are ignored
modules_enabled = { "c2s", "s2s" }

VirtualHost "example.com"
	Include "network.cfg.lua"
	s2s_ports = { 5999 }
