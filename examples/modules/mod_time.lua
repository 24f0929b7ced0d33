-- mod_time: the Time Protocol (RFC 868), over TCP and UDP, port 37.
-- The answer is the seconds since 1900-01-01 00:00 UTC, four bytes,
-- most significant first. Over TCP the server then hangs up.
local EPOCH_1900 = 2208988800;

local function now32()
	local t = (os.time() + EPOCH_1900) % 4294967296;
	return string.char(math.floor(t / 16777216) % 256, math.floor(t / 65536) % 256, math.floor(t / 256) % 256, t % 256);
end

module:provides("net", {
	name = "time";
	default_port = 37;
	listener = {
		onconnect = function(conn) conn:write(now32()); conn:close(); end;
	};
});

module:provides("net", {
	name = "time_udp";
	transport = "udp";
	default_port = 37;
	listener = {
		onpacket = function(packet) packet:reply(now32()); end;
	};
});
