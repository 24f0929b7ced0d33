-- mod_echo: sends every chunk it receives straight back.
-- Written only against Prosody's net-provider API, so Prosody loads it too.

local listener = {};

function listener.onconnect(conn)
	module:log("debug", "echo: %s connected", conn:ip());
end

function listener.onincoming(conn, data)
	conn:write(data);
end

function listener.ondisconnect(conn, err)
	module:log("debug", "echo: %s left (%s)", conn:ip(), err or "closed");
end

module:provides("net", {
	name = "echo";
	listener = listener;
	default_port = 7007;
	multiplex = { pattern = "^ECHO " };
});
