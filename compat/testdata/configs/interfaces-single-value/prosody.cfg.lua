-- interfaces given as one string rather than a list
modules_enabled = { "c2s", "s2s" }
interfaces = "192.0.2.1"

VirtualHost "example.com"
