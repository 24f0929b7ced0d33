-- Stub of Prosody 0.12.3's mod_websocket for the differential suite: a
-- global module that depends on mod_c2s, and per host on mod_http; nothing else.
module:set_global();

module:depends("c2s");

function module.add_host(module)
	module:depends("http");
end
