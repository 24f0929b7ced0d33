-- Stub of Prosody 0.12.3's mod_admin_telnet for the differential suite:
-- the private console service on 5582, and nothing else.
module:set_global();

module:provides("net", {
	name = "console";
	listener = {};
	default_port = 5582;
	private = true;
});
