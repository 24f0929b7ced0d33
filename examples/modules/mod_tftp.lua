-- mod_tftp: a TFTP server (RFC 1350) over UDP, port 69, for provisioning.
--   tftp_root = "tftp"            -- the folder served (relative to the config file's folder)
--   tftp_allow_write = false      -- uploads (WRQ); off by default, since any
--                                 -- client could then overwrite files (Vodia's warning)
--   tftp_max_upload = 10485760    -- bytes one upload may bring; past it: error 3
--   tftp_max_transfers = 64       -- transfers under way at once; more are refused
--   tftp_timeout = 5              -- seconds a silent peer keeps its transfer
-- Files are read and written with moonport.files: a name that leads out of
-- tftp_root, by ".." or through a symlink, gets an Access violation. An
-- upload is written beside its target and renamed over it when complete,
-- so it never writes through a symlink; a symlink (or folder) in its place
-- is refused.
-- Transfers are octet or netascii as stored; blocks are 512 bytes; a block
-- not acknowledged within a second is sent again until tftp_timeout passes.
local files = require "moonport.files";

local root = module:get_option_folder("tftp_root", "tftp"); -- warns when missing
local allow_write = module:get_option_boolean("tftp_allow_write", false);
local max_upload = module:get_option_number("tftp_max_upload", 10 * 1024 * 1024);
local max_transfers = module:get_option_number("tftp_max_transfers", 64);
local timeout = module:get_option_number("tftp_timeout", 5);

local RRQ, WRQ, DATA, ACK, ERROR = 1, 2, 3, 4, 5;
local transfers = {}; -- "ip port" -> transfer
local active = 0;     -- transfers under way

local function u16(n) return string.char(math.floor(n / 256) % 256, n % 256) end
local function read_u16(s, i) return s:byte(i) * 256 + s:byte(i + 1) end

local function send_error(packet, code, message)
	packet:reply(u16(ERROR) .. u16(code) .. message .. "\0");
end

-- begin registers a transfer under key, unless too many are under way.
local function begin(key, t, packet)
	if not transfers[key] then
		if active >= max_transfers then
			module:log("warn", "tftp: refused %s from %s: %d transfers under way (tftp_max_transfers)", t.name, packet.ip, active);
			send_error(packet, 0, "Too many transfers under way, try again later");
			return false;
		end
		active = active + 1;
	end
	t.key, t.packet = key, packet;
	transfers[key] = t;
	return true;
end

local function current(t) return transfers[t.key] == t end

local function finish(t)
	if current(t) then
		transfers[t.key] = nil;
		active = active - 1;
	end
end

local function drop_idle(t, what)
	module:log("info", "tftp: dropped the %s of %s with %s: idle for %s s (tftp_timeout)", what, t.name, t.packet.ip, timeout);
	finish(t);
end

local function send_block(t)
	local chunk = t.data:sub((t.block - 1) * 512 + 1, t.block * 512);
	t.last = #chunk < 512;
	t.packet:reply(u16(DATA) .. u16(t.block % 65536) .. chunk);
	t.tries = (t.tries or 0) + 1;
	local sent = t.block;
	module:add_timer(1, function()
		if not current(t) or t.block ~= sent then return end
		if t.tries < timeout then
			send_block(t);
		else
			drop_idle(t, "download");
		end
	end);
end

-- watch drops an upload whose client has sent nothing for tftp_timeout.
local function watch(t)
	local seen = t.received;
	module:add_timer(timeout, function()
		if not current(t) then return end
		if t.received == seen then
			send_error(t.packet, 0, "Timed out");
			return drop_idle(t, "upload");
		end
		seen = t.received;
		return timeout;
	end);
end

local function request(packet, op, key, name)
	if op == WRQ then
		if not allow_write then
			module:log("warn", "tftp: refused an upload of %s from %s (tftp_allow_write is off)", name, packet.ip);
			return send_error(packet, 2, "Access violation: uploads are disabled");
		end
		local st, err, kind = files.stat(root, name);
		if (st and st.type ~= "file") or (not st and kind ~= "not_found") then
			module:log("warn", "tftp: refused an upload of %s from %s: %s", name, packet.ip, err or ("a " .. st.type .. " is in its place"));
			return send_error(packet, 2, "Access violation");
		end
		local t = { name = name, parts = {}, size = 0, block = 0, received = 0, write = true };
		if begin(key, t, packet) then
			watch(t);
			packet:reply(u16(ACK) .. u16(0));
		end
		return;
	end
	local content, err, kind = files.read(root, name);
	if not content then
		if kind == "not_found" then return send_error(packet, 1, "File not found") end
		module:log("warn", "tftp: refused %s to %s: %s", name, packet.ip, err);
		return send_error(packet, 2, "Access violation");
	end
	local t = { name = name, data = content, block = 1 };
	if begin(key, t, packet) then
		module:log("info", "tftp: sending %s (%d bytes) to %s", name, #content, packet.ip);
		send_block(t);
	end
end

local function receive(t, packet, data)
	local block, chunk = read_u16(data, 3), data:sub(5);
	if #chunk > 512 then
		finish(t);
		return send_error(packet, 4, "Illegal TFTP operation: a block over 512 bytes");
	end
	t.received = t.received + 1;
	if block == (t.block + 1) % 65536 then
		if t.size + #chunk > max_upload then
			module:log("warn", "tftp: refused the upload of %s from %s: larger than tftp_max_upload (%d bytes)", t.name, packet.ip, max_upload);
			finish(t);
			return send_error(packet, 3, "Disk full or allocation exceeded");
		end
		t.block, t.size = t.block + 1, t.size + #chunk;
		t.parts[#t.parts + 1] = chunk;
		if #chunk < 512 then
			finish(t);
			local ok, err = files.write(root, t.name, table.concat(t.parts));
			if not ok then
				module:log("warn", "tftp: could not store %s from %s: %s", t.name, packet.ip, err);
				return send_error(packet, 2, "Access violation");
			end
			module:log("info", "tftp: received %s from %s", t.name, packet.ip);
		end
	end
	packet:reply(u16(ACK) .. u16(block));
end

local listener = {};

function listener.onpacket(packet)
	local data = packet.data;
	if #data < 4 then return end
	local op = read_u16(data, 1);
	local key = packet.ip .. " " .. packet.port;
	if op == RRQ or op == WRQ then
		local name = data:match("^..([^%z]*)%z");
		if not name then return send_error(packet, 4, "Illegal TFTP operation") end
		return request(packet, op, key, name);
	end
	local t = transfers[key];
	if op == ACK then
		if not t or t.write or read_u16(data, 3) ~= t.block % 65536 then return end
		if t.last then return finish(t) end
		t.block, t.tries, t.packet = t.block + 1, 0, packet;
		send_block(t);
	elseif op == DATA then
		if not t or not t.write then return send_error(packet, 5, "Unknown transfer ID") end
		receive(t, packet, data);
	end
end

module:provides("net", {
	name = "tftp";
	transport = "udp";
	default_port = 69;
	listener = listener;
});
