-- Stub of Prosody 0.12.3's mod_net_multiplex for the differential suite:
-- its two services, which have no default port (they bind only where
-- `ports` and `ssl_ports` say: config_prefix "" and "ssl"), and nothing else.
module:set_global();

module:provides("net", {
	name = "multiplex";
	config_prefix = "";
	listener = {};
});

module:provides("net", {
	name = "multiplex_ssl";
	config_prefix = "ssl";
	encryption = "ssl";
	-- Prosody computes the ALPN list when a client connects; a function here
	-- is part of what a host must accept in ssl_config.
	ssl_config = { alpn = function() return {} end };
	listener = {};
});
