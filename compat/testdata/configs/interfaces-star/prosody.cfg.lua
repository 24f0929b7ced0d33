-- interfaces = { "*" } is every IPv4 address and no IPv6 one
modules_enabled = { "c2s", "s2s", "http" }
interfaces = { "*" }

VirtualHost "example.com"
