-- Stub of Prosody 0.12.3's mod_http for the differential suite: the http
-- (private) and https services as declared there, and nothing else.
module:set_global();

module:provides("net", {
	name = "http";
	listener = {};
	private = true;
	default_port = 5280;
	multiplex = { pattern = "^[A-Z]" };
});

module:provides("net", {
	name = "https";
	listener = {};
	default_port = 5281;
	encryption = "ssl";
	multiplex = { protocol = "http/1.1"; pattern = "^[A-Z]" };
});
