-- Certificates per direct TLS service and per port: c2s_direct_tls_ssl, https_ssl keyed by port, a wrong path for one port only
modules_enabled = { "c2s", "s2s", "http" }
c2s_direct_tls_ports = { 5223 }
c2s_direct_tls_ssl = {
	certificate = "certs/example.com.crt";
	key = "certs/example.com.key";
}
https_ports = { 5281, 5443 }
https_ssl = {
	certificate = "certs/example.org.crt";
	key = "certs/example.org.key";
	[5443] = {
		certificate = "certs/missing.crt";
		key = "certs/missing.key";
	};
}

VirtualHost "example.com"
