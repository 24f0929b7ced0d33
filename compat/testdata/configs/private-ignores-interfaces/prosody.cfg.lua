-- interfaces applies to public services only: private ones keep local_interfaces (here its default) unless their own <service>_interfaces says otherwise
modules_enabled = { "c2s", "s2s", "http", "admin_telnet" }
interfaces = { "192.0.2.1" }
console_interfaces = "198.51.100.1"

VirtualHost "example.com"
