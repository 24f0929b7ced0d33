-- interfaces as a list of addresses of both families, loopback and documentation addresses on lo
modules_enabled = { "c2s", "s2s" }
interfaces = { "192.0.2.1", "198.51.100.1", "::1", "2001:db8::1" }

VirtualHost "example.com"
