-- mod_http: the HTTP services, under Prosody's names and defaults.
--   http   port 5280, private (local_interfaces) as in Prosody 0.12
--   https  port 5281, TLS from the first byte (HTTP/2 when the client asks);
--          opened only when https_ports is set or a certificate for it
--          exists (https_ssl, ssl, https.crt or a host's certificate)
-- Requests are served by Go's net/http and routed to what modules provide
-- with module:provides("http", { route = { … } }). Modules that provide
-- routes load this module by themselves.
-- Connections are admitted like any service's: http_allow, http_deny,
-- http_max_connections(_per_ip), http_proxy_protocol and the rest apply,
-- to the original client behind a proxy, and the console lists them.
module:set_global();

module:provides("net", {
	name = "http";
	listener = {};
	default_port = 5280;
	private = true;
	serve = "http";
	multiplex = { pattern = "^%u+ /[^ ]* HTTP/1" };
});

module:provides("net", {
	name = "https";
	listener = {};
	default_port = 5281;
	encryption = "ssl";
	needs_certificate = true; -- planned only with https_ports or a certificate
	serve = "http";
	multiplex = { protocol = "http/1.1" };
});
