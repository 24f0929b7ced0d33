-- interfaces = { "::" } is every IPv6 address and no IPv4 one: Prosody's IPv6 sockets are IPv6-only
modules_enabled = { "c2s", "s2s", "http" }
interfaces = { "::" }

VirtualHost "example.com"
