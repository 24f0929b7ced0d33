-- Stub of Prosody 0.12.3's mod_bosh for the differential suite: a global
-- module whose per-host part depends on mod_http (which brings the http and
-- https services), and nothing else.
module:set_global();

function module.add_host(module)
	module:depends("http");
end
