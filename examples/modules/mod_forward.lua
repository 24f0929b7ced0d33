-- mod_forward: relays each connection to an upstream TCP server.
--   forward_upstream = "127.0.0.1:7007"   -- where to send connections
-- Data is relayed both ways; what the client sends before the upstream
-- connection is up is queued and sent once it is. A side that shuts down
-- only its sending half (`nc -N`, `shutdown(SHUT_WR)`) has that passed on
-- (onreadclosed, conn:shutdown("send")), so the other side's answer still
-- comes back; once neither side has more to send, or either hangs up,
-- both close after sending what is queued.

local server = require "net.server";

local upstream = module:get_option_string("forward_upstream", "127.0.0.1:7007");
local up_host, up_port = upstream:match("^%[?([^%]]+)%]?:(%d+)$");
if not up_host then
	error("forward_upstream must be host:port, got " .. upstream);
end
up_port = tonumber(up_port);

local peer_of = {};   -- client -> upstream and upstream -> client
local finished = {};  -- conns whose peer has sent all it will send

-- relay passes data on to the other side.
local function relay(conn, data)
	local other = peer_of[conn];
	if other then other:write(data); end
end

-- half_close passes a half-close on. It returns true to keep conn open for
-- sending while the other side may still answer.
local function half_close(conn)
	local other = peer_of[conn];
	finished[conn] = true;
	if not other or finished[other] then
		return false; -- nothing more either way: conn closes, and so does the other
	end
	other:shutdown("send");
	return true;
end

-- hang_up closes the other side once it has sent what is queued.
local function hang_up(conn)
	local other = peer_of[conn];
	peer_of[conn], finished[conn] = nil, nil;
	if other then
		peer_of[other], finished[other] = nil, nil;
		other:close();
	end
end

local upstream_listener = {
	onincoming = relay;
	onreadclosed = half_close;
	ondisconnect = hang_up;
};

local listener = {
	onincoming = relay;
	onreadclosed = half_close;
	ondisconnect = hang_up;
};

function listener.onconnect(client)
	local up = server.addclient(up_host, up_port, upstream_listener);
	peer_of[client] = up;
	peer_of[up] = client;
end

module:provides("net", {
	name = "forward";
	listener = listener;
	default_port = 7009;
});
