-- Network options set inside a VirtualHost (in its section and in its table form) are ignored: Prosody reads them from the global section only
modules_enabled = { "c2s", "s2s", "http" }

VirtualHost "example.com"
	c2s_ports = { 5322 }
	interfaces = { "192.0.2.1" }
	http_ports = { 5380 }

VirtualHost "example.org" {
	s2s_ports = { 5369 };
	use_ipv6 = false;
}
