-- Answers Redis PING, inline ("PING\r\n") or RESP ("*1\r\n$4\r\nPING\r\n"),
-- with "+PONG\r\n". Pipelined commands and commands split across packets
-- are handled. Written only against Prosody's net API: the benchmark runs
-- this same file in Prosody and in moonport.
module:set_global();
-- Safe to copy (what it keeps is per connection, and a connection stays
-- with one copy): one copy per CPU. Prosody has no set_workers, so it is
-- guarded; bench/run's -workers (the bench_*_workers option) overrides
-- it, -workers 1 for one instance.
if module.set_workers then module:set_workers("auto"); end

local listener = {};
local pending = {}; -- conn -> bytes of an incomplete command

local find, sub, byte = string.find, string.sub, string.byte;
local STAR = byte("*");

-- parse returns the number of complete PINGs at the start of buf and the
-- unparsed rest; nil on a protocol error.
local function parse(buf)
	local count, pos, len = 0, 1, #buf;
	while pos <= len do
		if byte(buf, pos) == STAR then
			-- "*1\r\n$4\r\nPING\r\n": a one-element array (all PING sends)
			local e1 = find(buf, "\r\n", pos, true);
			if not e1 then break end
			local e2 = find(buf, "\r\n", e1 + 2, true);
			if not e2 then break end
			local n = tonumber(sub(buf, e1 + 3, e2 - 1)); -- the $length of the one bulk string
			if not n then return nil end
			if len < e2 + 1 + n + 2 then break end
			pos = e2 + 2 + n + 2;
		else
			local e = find(buf, "\n", pos, true);
			if not e then break end
			pos = e + 1;
		end
		count = count + 1;
	end
	return count, sub(buf, pos);
end

local pongs = {};
for i = 1, 64 do pongs[i] = string.rep("+PONG\r\n", i); end

function listener.onincoming(conn, data)
	local buf = pending[conn];
	if buf then data = buf .. data; end
	local count, rest = parse(data);
	if not count then
		conn:write("-ERR protocol error\r\n");
		conn:close();
		return;
	end
	while count > 0 do
		local n = count > 64 and 64 or count;
		conn:write(pongs[n]);
		count = count - n;
	end
	pending[conn] = rest ~= "" and rest or nil;
end

-- Open connections, counted across every copy in a shared dict
-- (moonport's; Prosody runs without it): a cost per connection, none per
-- request. The console's dict:list() shows it.
local counts = module.shared_dict and module:shared_dict("bench");

function listener.onconnect()
	if counts then counts:incr("resp_connections", 1, 0); end
end

function listener.ondisconnect(conn)
	pending[conn] = nil;
	if counts then counts:incr("resp_connections", -1, 0); end
end

module:provides("net", {
	name = "bench_resp";
	listener = listener;
	default_port = 7102;
});
