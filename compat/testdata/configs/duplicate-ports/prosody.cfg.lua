-- The same port claimed by two services (c2s and s2s on 5222, s2s and http on 5269): the first to bind keeps it, the other logs an error and binds the rest
modules_enabled = { "c2s", "s2s", "http" }
c2s_ports = { 5222, 5400 }
s2s_ports = { 5222, 5269 }
http_interfaces = { "*", "::" }
http_ports = { 5269, 5280 }

VirtualHost "example.com"
