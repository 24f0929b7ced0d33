-- mod_net_multiplex: several services on one port, Prosody's way.
--   ports = { 5000 }       the plain multiplex port(s) (service "multiplex", no prefix)
--   ssl_ports = { 5001 }   the TLS multiplex port(s) (service "multiplex_ssl")
--   multiplex_buffer_size = 1024
-- A service takes part by adding to its module:provides("net", …) item
--   multiplex = { pattern = "^GET ", protocol = "http/1.1", sni = { "chat.example" } }
-- On a plain port the first bytes are matched against each pattern (Lua
-- patterns), buffering up to multiplex_buffer_size bytes; a TLS ClientHello
-- there is answered with TLS (when a certificate is configured) and routed
-- like a TLS port. On a TLS port the negotiated ALPN protocol, then the SNI
-- name, then the patterns pick the service. No match: the connection closes.
module:set_global();

local admin = require "moonport.admin";
local max = module:get_option_number("multiplex_buffer_size", 1024);

local services, fetched = nil, 0;
local function candidates()
	if not services or os.time() ~= fetched then
		services, fetched = admin.call("multiplex_services") or {}, os.time();
	end
	return services;
end

local buffers = {};

local function route_tls(conn)
	local alpn, sni = conn:alpn(), conn:sni();
	for _, s in ipairs(candidates()) do
		if alpn ~= "" and s.protocol == alpn then return s.name end
	end
	for _, s in ipairs(candidates()) do
		if sni ~= "" and s.sni then
			for _, name in ipairs(type(s.sni) == "table" and s.sni or { s.sni }) do
				if name == sni then return s.name end
			end
		end
	end
end

local listener = {};

function listener.onstatus(conn, status)
	if status ~= "ssl-handshake-complete" then return end
	local target = route_tls(conn);
	if target then conn:divert(target) end
end

function listener.onincoming(conn, data)
	local buf = (buffers[conn] or "") .. data;
	if not conn:ssl() and buf:byte(1) == 0x16 and conn:tls_available() then
		buffers[conn] = nil;
		conn:starttls_replay(buf); -- a TLS ClientHello on the plain port
		return;
	end
	for _, s in ipairs(candidates()) do
		if s.pattern and buf:find(s.pattern) then
			buffers[conn] = nil;
			local ok, err = conn:divert(s.name, buf);
			if not ok then
				module:log("warn", "multiplex: cannot hand a connection to %s: %s", s.name, err);
				conn:close();
			end
			return;
		end
	end
	if #buf >= max then
		module:log("debug", "multiplex: no service recognised %s after %d bytes", conn:ip(), #buf);
		buffers[conn] = nil;
		conn:close();
		return;
	end
	buffers[conn] = buf;
end

function listener.ondisconnect(conn)
	buffers[conn] = nil;
end

module:provides("net", {
	name = "multiplex";
	multiplexer = true; -- its TLS ports offer the ALPN protocols of the services it routes to
	config_prefix = "";
	encryption = "starttls";
	listener = listener;
});

module:provides("net", {
	name = "multiplex_ssl";
	multiplexer = true; -- its TLS ports offer the ALPN protocols of the services it routes to
	config_prefix = "ssl";
	encryption = "ssl";
	listener = listener;
});
