-- Private services (http, console, component) with no network options: Prosody's local_interfaces default, 127.0.0.1 and ::1; public ones (c2s, s2s, https) on * and ::
modules_enabled = { "c2s", "s2s", "http", "admin_telnet" }

VirtualHost "example.com"

Component "ext.example.com"
	component_secret = "s3cret"
