-- Direct TLS ports without any certificate (no ssl, an empty certificates folder): Prosody binds them anyway and logs that SNI will be required
modules_enabled = { "c2s", "s2s", "http" }
certificates = "no-certificates-here"
c2s_direct_tls_ports = { 5223 }
s2s_direct_tls_ports = { 5270 }

VirtualHost "example.com"
