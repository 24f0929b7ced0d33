-- local_interfaces moves every private service (http, console, component) to the addresses it lists; public services stay on * and ::
modules_enabled = { "c2s", "s2s", "http", "admin_telnet" }
local_interfaces = { "192.0.2.1", "2001:db8::1" }

VirtualHost "example.com"

Component "ext.example.com"
	component_secret = "s3cret"
