-- Echoes every chunk back. Written only against Prosody's net API: the
-- benchmark runs this same file in Prosody and in moonport.
module:set_global();
-- Safe to copy (no state between connections): one copy per CPU. Prosody
-- has no set_workers, so it is guarded; bench/run's -workers (the
-- bench_*_workers option) overrides it, -workers 1 for one instance.
if module.set_workers then module:set_workers("auto"); end

local listener = {};

function listener.onincoming(conn, data)
	conn:write(data);
end

module:provides("net", {
	name = "bench_echo";
	listener = listener;
	default_port = 7101;
});
