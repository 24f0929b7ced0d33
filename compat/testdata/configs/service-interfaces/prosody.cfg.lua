-- <service>_interfaces per service, a list and a single string, beside the global interfaces
modules_enabled = { "c2s", "s2s", "http" }
interfaces = { "198.51.100.1" }
c2s_interfaces = { "192.0.2.1", "2001:db8::1" }
s2s_interfaces = "::"
https_interfaces = { "127.0.0.1" }

VirtualHost "example.com"
