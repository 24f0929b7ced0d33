-- mod_net_multiplex: the plain multiplex service on `ports` and the TLS one on `ssl_ports` (config_prefix "" and "ssl"), whose ssl_config holds a function
modules_enabled = { "c2s", "s2s", "http", "net_multiplex" }
ssl = {
	certificate = "certs/example.com.crt";
	key = "certs/example.com.key";
}
ports = { 5000 }
ssl_ports = { 5001 }

VirtualHost "example.com"
