-- mod_net_multiplex enabled without ports or ssl_ports: its services have no default port, so nothing more binds
modules_enabled = { "c2s", "s2s", "net_multiplex" }

VirtualHost "example.com"
