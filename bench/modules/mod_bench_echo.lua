-- Echoes every chunk back. Written only against Prosody's net API: the
-- benchmark runs this same file in Prosody and in moonport.
module:set_global();

local listener = {};

function listener.onincoming(conn, data)
	conn:write(data);
end

module:provides("net", {
	name = "bench_echo";
	listener = listener;
	default_port = 7101;
});
