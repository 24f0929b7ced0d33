-- mod_forward: relays each connection to an upstream TCP server.
--   forward_upstream = "127.0.0.1:7007"   -- where to send connections
-- Data is relayed both ways; what the client sends before the upstream
-- connection is up is queued and sent once it is. Either side hanging up
-- closes the other.

local server = require "net.server";

local upstream = module:get_option_string("forward_upstream", "127.0.0.1:7007");
local up_host, up_port = upstream:match("^%[?([^%]]+)%]?:(%d+)$");
if not up_host then
	error("forward_upstream must be host:port, got " .. upstream);
end
up_port = tonumber(up_port);

local pairs_by_conn = {}; -- client -> upstream and upstream -> client

local upstream_listener = {};

function upstream_listener.onincoming(up, data)
	local client = pairs_by_conn[up];
	if client then client:write(data); end
end

function upstream_listener.ondisconnect(up, err)
	local client = pairs_by_conn[up];
	pairs_by_conn[up] = nil;
	if client then
		pairs_by_conn[client] = nil;
		client:close();
	end
end

local listener = {};

function listener.onconnect(client)
	local up = server.addclient(up_host, up_port, upstream_listener);
	pairs_by_conn[client] = up;
	pairs_by_conn[up] = client;
end

function listener.onincoming(client, data)
	local up = pairs_by_conn[client];
	if up then up:write(data); end
end

function listener.ondisconnect(client, err)
	local up = pairs_by_conn[client];
	pairs_by_conn[client] = nil;
	if up then
		pairs_by_conn[up] = nil;
		up:close();
	end
end

module:provides("net", {
	name = "forward";
	listener = listener;
	default_port = 7009;
});
