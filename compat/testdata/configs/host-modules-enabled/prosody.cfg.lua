-- Modules enabled in a VirtualHost only (http on one host, the console on another): each loads once, globally, for the whole server
VirtualHost "example.com"
	modules_enabled = { "http" }

VirtualHost "example.org"
	modules_enabled = { "admin_telnet", "http" }
