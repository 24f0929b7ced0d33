-- mod_rate_limit: a line service (port 7010) that answers each line with
-- "ok <n>" — the client address's n-th line in the current window — or
-- "limited, retry in <s> s" past rate_limit_max lines per
-- rate_limit_window seconds. It runs as a copy per CPU
-- (module:set_workers("auto")): connections spread over the copies, and
-- the counts live in a shared dict, so a client is limited the same
-- whichever copy serves it. See the README's "Many cores".
--
-- Options: rate_limit_max (10), rate_limit_window (60 seconds);
-- shared_dicts = { rate_limit = "1M" } sizes the counts (default 10M).

-- Safe to copy: no state between callbacks but the shared dict's.
-- Prosody has no set_workers (nor shared_dict): guard it there.
if module.set_workers then module:set_workers("auto") end

local limits = module:shared_dict("rate_limit");
local max = module:get_option_number("rate_limit_max", 10);
local window = module:get_option_number("rate_limit_window", 60);

local listener = { default_mode = "*l" }; -- onincoming gets one line

function listener.onincoming(conn)
	local key = conn:ip();
	-- The first line of a window makes the counter, expiring with the
	-- window; later ones count up (one lock, whichever copy runs it).
	local n, err = limits:incr(key, 1, 0, window);
	if not n then
		conn:write("error " .. err .. "\n");
	elseif n > max then
		conn:write(("limited, retry in %d s\n"):format(math.ceil(limits:ttl(key) or window)));
	else
		conn:write("ok " .. n .. "\n");
	end
end

module:provides("net", {
	name = "rate_limit";
	listener = listener;
	default_port = 7010;
});
