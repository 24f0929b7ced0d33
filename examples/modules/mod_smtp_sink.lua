-- mod_smtp_sink: a small SMTP receiver that stores every message it is
-- given, as a file or in a store. EHLO/HELO, STARTTLS, MAIL, RCPT, DATA,
-- RSET, NOOP, QUIT.
--
--   smtp_sink_dir = "mail"           -- folder for messages (relative to the config file's folder)
--   smtp_sink_store = nil            -- or a store's name: messages go there instead of files
--   smtp_sink_hostname = "localhost" -- name in the greeting
--   smtp_sink_max_size = 10485760    -- bytes a message may have
--
-- Each message is stored exactly as sent between DATA and the final ".",
-- with dot-stuffing undone: as NNN-TIME.eml in smtp_sink_dir, or, with
-- smtp_sink_store, as an item of that archive store
-- (module:open_store(name, "archive"); the storage option chooses where:
-- files, SQLite, PostgreSQL). The item's key is the message's id (the
-- reply says "250 2.0.0 OK: queued as ID"), its time when it came, its
-- "with" the sender, its value
-- { from = , to = { recipients }, data = the message, size = , received = }.
-- A message that is not valid UTF-8 (8-bit mail in Latin-1, say) is kept
-- in base64, marked data_encoding = "base64": SQL stores keep text, and
-- PostgreSQL refuses bytes that are not UTF-8 (in Prosody as here).
-- An archive rather than a map store: it is a list in time order that
-- grows by appending (the internal storage adds to a file, where a map
-- store's file would be rewritten whole for each message), and it finds
-- messages by time or sender.
--
-- The service is "smtp"; with a certificate configured (ssl, smtp_ssl or
-- a listener's tls table) it offers STARTTLS, and a listener with
-- tls = { implicit = true } is SMTPS.

local store_name = module:get_option_string("smtp_sink_store");
local archive, dir;
if store_name then
	archive = assert(module:open_store(store_name, "archive"));
else
	dir = module:get_option_folder("smtp_sink_dir", "mail"); -- warns when missing
end
local encodings = require "util.encodings";
local hostname = module:get_option_string("smtp_sink_hostname", "localhost");
local max_size = module:get_option_number("smtp_sink_max_size", 10 * 1024 * 1024);

local sessions = {}; -- conn -> session
local stored = 0;

local function reply(conn, text) conn:write(text .. "\r\n"); end

local function reset(s)
	s.from, s.rcpts, s.data, s.size = nil, {}, nil, 0;
end

-- keep puts the message in the archive store; it returns the id, or nil
-- and the store's error.
local function keep(s)
	local now = os.time();
	local data = table.concat(s.data);
	local item = { from = s.from, to = s.rcpts, data = data, size = #data, received = now };
	if not encodings.utf8.valid(data) then
		item.data, item.data_encoding = encodings.base64.encode(data), "base64";
	end
	local id, err = archive:append(nil, nil, item, now, s.from);
	if not id then
		module:log("error", "cannot store message in %s: %s", store_name, err);
		return nil, err;
	end
	module:log("info", "stored %s in %s from <%s> for %d recipient(s)", id, store_name, s.from, #s.rcpts);
	return id;
end

local function store(s)
	if archive then return keep(s); end
	stored = stored + 1;
	local name = ("%s/%06d-%d.eml"):format(dir, stored, os.time());
	local f, err = io.open(name, "wb");
	if not f then
		module:log("error", "cannot store message: %s", err);
		return nil, err;
	end
	f:write(table.concat(s.data));
	f:close();
	module:log("info", "stored %s from <%s> for %d recipient(s)", name, s.from, #s.rcpts);
	return name;
end

local function data_line(conn, s, line)
	if line == ".\r\n" or line == ".\n" then
		local too_big = s.size > max_size;
		if too_big then
			reply(conn, "552 5.3.4 Message too big");
		else
			local id = store(s);
			if not id then
				reply(conn, "451 4.3.0 Cannot store the message");
			else
				reply(conn, "250 2.0.0 OK: queued" .. (archive and " as " .. id or ""));
			end
		end
		reset(s);
		return;
	end
	if line:sub(1, 1) == "." then line = line:sub(2); end -- undo dot-stuffing
	s.size = s.size + #line;
	if s.size <= max_size then
		s.data[#s.data + 1] = line;
	end
end

-- command handles one command line; true means drop the rest of the data.
local function command(conn, s, line)
	local verb, arg = line:match("^(%a+)%s*(.-)%s*$");
	verb = verb and verb:upper();
	if verb == "EHLO" then
		reset(s);
		s.helo = arg;
		conn:write("250-" .. hostname .. "\r\n");
		conn:write("250-SIZE " .. max_size .. "\r\n");
		if conn:tls_available() then conn:write("250-STARTTLS\r\n"); end
		reply(conn, "250 8BITMIME");
	elseif verb == "HELO" then
		reset(s);
		s.helo = arg;
		reply(conn, "250 " .. hostname);
	elseif verb == "STARTTLS" then
		if not conn:tls_available() then
			reply(conn, "454 4.7.0 TLS not available");
			return;
		end
		reply(conn, "220 2.0.0 Ready to start TLS");
		conn:starttls();
		-- RFC 3207: forget everything said before the handshake, and
		-- anything sent after STARTTLS in the same packet.
		reset(s);
		s.helo = nil;
		return true;
	elseif verb == "MAIL" then
		local from = arg:match("^[Ff][Rr][Oo][Mm]:%s*<(.-)>");
		if not s.helo then reply(conn, "503 5.5.1 Say EHLO first");
		elseif s.from then reply(conn, "503 5.5.1 Sender already given");
		elseif not from then reply(conn, "501 5.5.4 Syntax: MAIL FROM:<address>");
		else s.from = from; reply(conn, "250 2.1.0 OK"); end
	elseif verb == "RCPT" then
		local to = arg:match("^[Tt][Oo]:%s*<(.-)>");
		if not s.from then reply(conn, "503 5.5.1 Need MAIL first");
		elseif not to or to == "" then reply(conn, "501 5.5.4 Syntax: RCPT TO:<address>");
		else s.rcpts[#s.rcpts + 1] = to; reply(conn, "250 2.1.5 OK"); end
	elseif verb == "DATA" then
		if #s.rcpts == 0 then reply(conn, "503 5.5.1 Need RCPT first");
		else s.data = {}; reply(conn, "354 End data with <CR><LF>.<CR><LF>"); end
	elseif verb == "RSET" then
		reset(s);
		reply(conn, "250 2.0.0 OK");
	elseif verb == "NOOP" then
		reply(conn, "250 2.0.0 OK");
	elseif verb == "QUIT" then
		reply(conn, "221 2.0.0 Bye");
		conn:close();
	else
		reply(conn, "500 5.5.2 Unrecognized command");
	end
end

local listener = {};

function listener.onconnect(conn)
	local s = { buffer = "" };
	reset(s);
	sessions[conn] = s;
	reply(conn, "220 " .. hostname .. " ESMTP moonport smtp_sink");
end

-- Data arrives in chunks; lines are cut here, keeping their exact ends, so
-- a stored message is byte for byte what the client sent.
function listener.onincoming(conn, data)
	local s = sessions[conn];
	if not s then return end
	local buf = s.buffer .. data;
	local pos = 1;
	while true do
		local nl = buf:find("\n", pos, true);
		if not nl then break end
		local line = buf:sub(pos, nl);
		pos = nl + 1;
		if s.data then
			data_line(conn, s, line);
		elseif command(conn, s, line) then
			pos = #buf + 1;
			break;
		end
	end
	s.buffer = buf:sub(pos);
	if #s.buffer > 65536 and not s.data then
		reply(conn, "500 5.5.2 Line too long");
		conn:close();
	end
end

function listener.ondisconnect(conn)
	sessions[conn] = nil;
end

module:provides("net", {
	name = "smtp";
	listener = listener;
	encryption = "starttls";
	default_port = 2525;
});
