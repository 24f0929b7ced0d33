-- Ports below 1024 for a server running as the prosody user: each is refused (permission), logged, and the rest bind
modules_enabled = { "c2s", "s2s", "http" }
c2s_ports = { 5222, 522 }
http_ports = { 80 }
https_ports = { 443, 5281 }

VirtualHost "example.com"
