-- Started as root with run_as_root = true: both run as root and bind the ports below 1024 too
--! user root
run_as_root = true
modules_enabled = { "c2s", "s2s", "http" }
http_ports = { 80 }
https_ports = { 443 }

VirtualHost "example.com"
