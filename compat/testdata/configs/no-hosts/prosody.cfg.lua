-- Neither VirtualHost nor Component, only services: Prosody refuses to start without an enabled VirtualHost
modules_enabled = { "c2s", "s2s", "http" }
http_ports = { 5280 }
