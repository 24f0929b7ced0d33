-- Components with their own modules: proxy65 (its service named after the module) with global proxy65_ports and proxy65_interfaces, a MUC, and two external components with component_ports and component_interfaces
modules_enabled = { "c2s", "s2s" }
proxy65_ports = { 5005 }
proxy65_interfaces = { "192.0.2.1" }
component_ports = { 5347, 5348 }
component_interfaces = { "192.0.2.1", "::1" }

VirtualHost "example.com"

Component "proxy.example.com" "proxy65"
	proxy65_address = "proxy.example.com"

Component "rooms.example.com" "muc"

Component "gateway.example.com"
	component_secret = "s3cret"

Component "bridge.example.com"
	component_secret = "0th3r"
