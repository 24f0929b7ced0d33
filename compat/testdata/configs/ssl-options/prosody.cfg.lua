-- A global ssl table with the OpenSSL options Prosody admins copy from guides (options, curve, ciphers, protocol, capath, verifyext) and a direct TLS port that uses it
modules_enabled = { "c2s", "s2s" }
ssl = {
	certificate = "certs/example.com.crt";
	key = "certs/example.com.key";
	protocol = "tlsv1_2+";
	ciphers = "HIGH+kEECDH:HIGH+kEDH:!DSS:!ECDSA:!3DES:!aNULL:@STRENGTH";
	options = { "cipher_server_preference", "single_dh_use", "single_ecdh_use", "no_ticket" };
	curve = "secp384r1";
	capath = "/etc/ssl/certs";
	verifyext = { "lsec_continue", "lsec_ignore_purpose" };
}
c2s_direct_tls_ports = { 5223 }

VirtualHost "example.com"
