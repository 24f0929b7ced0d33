-- Stub of Prosody 0.12.3's mod_proxy65 (SOCKS5 bytestreams) for the
-- differential suite. Its service has no name field, so it is named after
-- the module: "proxy65", options proxy65_ports and proxy65_interfaces.
module:set_global();

module:provides("net", {
	default_port = 5000;
	listener = {};
	multiplex = { pattern = "^\5" };
});
