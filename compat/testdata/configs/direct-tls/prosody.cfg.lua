-- Direct TLS ports with a certificate: c2s_direct_tls_ports, its pre-0.12 name legacy_ssl_ports, s2s_direct_tls_ports (whose service asks for verify = peer without a cafile) and https_ports
modules_enabled = { "c2s", "s2s", "http" }
ssl = {
	certificate = "certs/example.com.crt";
	key = "certs/example.com.key";
}
c2s_direct_tls_ports = { 5223 }
legacy_ssl_ports = { 5224 }
s2s_direct_tls_ports = { 5270 }
https_ports = { 5443 }

VirtualHost "example.com"
