-- mod_tftp: a TFTP server (RFC 1350) over UDP, port 69, for provisioning.
--   tftp_root = "tftp"           -- the folder served
--   tftp_allow_write = false     -- uploads (WRQ); off by default, since any
--                                -- client could then overwrite files (Vodia's warning)
-- Transfers are octet or netascii as stored; blocks are 512 bytes; a block
-- not acknowledged within a second is sent again, up to five times.
local root = module:get_option_string("tftp_root", "tftp");
local allow_write = module:get_option_boolean("tftp_allow_write", false);

local RRQ, WRQ, DATA, ACK, ERROR = 1, 2, 3, 4, 5;
local transfers = {}; -- "ip port" -> transfer

local function u16(n) return string.char(math.floor(n / 256) % 256, n % 256) end
local function read_u16(s, i) return s:byte(i) * 256 + s:byte(i + 1) end

local function send_error(packet, code, message)
	packet:reply(u16(ERROR) .. u16(code) .. message .. "\0");
end

local function safe(name)
	return name ~= "" and not name:find("%.%.") and not name:find("^/") and not name:find("%z");
end

local function send_block(t)
	local chunk = t.data:sub((t.block - 1) * 512 + 1, t.block * 512);
	t.last = #chunk < 512;
	t.packet:reply(u16(DATA) .. u16(t.block % 65536) .. chunk);
	t.tries = (t.tries or 0) + 1;
	local sent = t.block;
	module:add_timer(1, function()
		if transfers[t.key] == t and t.block == sent and t.tries < 5 then
			send_block(t);
		elseif transfers[t.key] == t and t.block == sent then
			transfers[t.key] = nil;
		end
	end);
end

local listener = {};

function listener.onpacket(packet)
	local data = packet.data;
	if #data < 4 then return end
	local op = read_u16(data, 1);
	local key = packet.ip .. " " .. packet.port;
	if op == RRQ or op == WRQ then
		local name = data:match("^..([^%z]*)%z");
		if not name or not safe(name) then return send_error(packet, 2, "Access violation") end
		if op == WRQ then
			if not allow_write then
				module:log("warn", "tftp: refused an upload of %s from %s (tftp_allow_write is off)", name, packet.ip);
				return send_error(packet, 2, "Access violation: uploads are disabled");
			end
			transfers[key] = { key = key, write = name, parts = {}, block = 0, packet = packet };
			return packet:reply(u16(ACK) .. u16(0));
		end
		local f = io.open(root .. "/" .. name, "rb");
		if not f then return send_error(packet, 1, "File not found") end
		local content = f:read("*a");
		f:close();
		local t = { key = key, data = content, block = 1, packet = packet };
		transfers[key] = t;
		module:log("info", "tftp: sending %s (%d bytes) to %s", name, #content, packet.ip);
		send_block(t);
	elseif op == ACK then
		local t = transfers[key];
		if not t or t.write then return end
		if read_u16(data, 3) ~= t.block % 65536 then return end
		if t.last then transfers[key] = nil; return end
		t.block, t.tries, t.packet = t.block + 1, 0, packet;
		send_block(t);
	elseif op == DATA then
		local t = transfers[key];
		if not t or not t.write then return send_error(packet, 5, "Unknown transfer ID") end
		local block = read_u16(data, 3);
		if block == (t.block + 1) % 65536 then
			t.block = t.block + 1;
			t.parts[#t.parts + 1] = data:sub(5);
		end
		packet:reply(u16(ACK) .. u16(block));
		if #data - 4 < 512 then
			local f = io.open(root .. "/" .. t.write, "wb");
			if f then f:write(table.concat(t.parts)); f:close(); end
			module:log("info", "tftp: received %s from %s", t.write, packet.ip);
			transfers[key] = nil;
		end
	end
end

module:provides("net", {
	name = "tftp";
	transport = "udp";
	default_port = 69;
	listener = listener;
});
