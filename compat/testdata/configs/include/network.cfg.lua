-- The network part of the config, included from inside a VirtualHost
c2s_ports = { 5322 }
s2s_interfaces = { "192.0.2.1" }
