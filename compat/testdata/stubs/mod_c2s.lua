-- Stub of Prosody 0.12.3's mod_c2s for the differential suite: the three
-- net services it declares, with the same fields, and nothing else.
module:set_global();

local listener = {};
local client_stream = "^<.*:stream.*%sxmlns%s*=%s*(['\"])jabber:client%1.*>";

module:provides("net", {
	name = "c2s";
	listener = listener;
	default_port = 5222;
	encryption = "starttls";
	multiplex = { protocol = "xmpp-client"; pattern = client_stream };
});

-- Direct TLS: no default port, so it binds only where c2s_direct_tls_ports says.
module:provides("net", {
	name = "c2s_direct_tls";
	listener = listener;
	encryption = "ssl";
	multiplex = { pattern = client_stream };
});

-- The pre-0.12 name of the same thing (legacy_ssl_ports).
module:provides("net", {
	name = "legacy_ssl";
	listener = listener;
	encryption = "ssl";
	multiplex = { pattern = client_stream };
});
