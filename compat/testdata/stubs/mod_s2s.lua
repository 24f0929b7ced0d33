-- Stub of Prosody 0.12.3's mod_s2s for the differential suite: its two net
-- services, with the same fields (ssl_config included), and nothing else.
module:set_global();

local listener = {};
local server_stream = "^<.*:stream.*%sxmlns%s*=%s*(['\"])jabber:server%1.*>";

module:provides("net", {
	name = "s2s";
	listener = listener;
	default_port = 5269;
	encryption = "starttls";
	ssl_config = { verify = { "peer", "client_once" } };
	multiplex = { protocol = "xmpp-server"; pattern = server_stream };
});

module:provides("net", {
	name = "s2s_direct_tls";
	listener = listener;
	encryption = "ssl";
	ssl_config = { verify = { "peer", "client_once" } };
	multiplex = { protocol = "xmpp-server"; pattern = server_stream };
});
