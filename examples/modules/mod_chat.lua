-- mod_chat: a line-based chat room.
--   anything you type     is sent to everyone else as "<nick> text"
--   /nick NAME            changes your name
--   /who                  lists who is here
--   /quit                 says goodbye and hangs up

local listener = { default_mode = "*l" };
local nicks = {};   -- conn -> nick
local count = 0;

local function broadcast(from, line)
	for conn in pairs(nicks) do
		if conn ~= from then
			conn:write(line .. "\n");
		end
	end
end

function listener.onconnect(conn)
	count = count + 1;
	local nick = "guest" .. count;
	nicks[conn] = nick;
	conn:write("* welcome, " .. nick .. " (/nick NAME, /who, /quit)\n");
	broadcast(conn, "* " .. nick .. " joined");
end

function listener.onincoming(conn, line)
	local nick = nicks[conn];
	if not nick then return end
	local cmd, arg = line:match("^/(%a+)%s*(.-)%s*$");
	if cmd == "nick" then
		if arg == "" or arg:find("%s") then
			conn:write("* usage: /nick NAME (no spaces)\n");
			return;
		end
		for _, other in pairs(nicks) do
			if other == arg then
				conn:write("* " .. arg .. " is taken\n");
				return;
			end
		end
		nicks[conn] = arg;
		conn:write("* you are now " .. arg .. "\n");
		broadcast(conn, "* " .. nick .. " is now " .. arg);
	elseif cmd == "who" then
		local names = {};
		for _, n in pairs(nicks) do names[#names + 1] = n; end
		table.sort(names);
		conn:write("* here: " .. table.concat(names, ", ") .. "\n");
	elseif cmd == "quit" then
		conn:write("* bye\n");
		conn:close();
	elseif cmd then
		conn:write("* unknown command /" .. cmd .. "\n");
	elseif line ~= "" then
		broadcast(conn, "<" .. nick .. "> " .. line);
	end
end

function listener.ondisconnect(conn)
	local nick = nicks[conn];
	if nick then
		nicks[conn] = nil;
		broadcast(conn, "* " .. nick .. " left");
	end
end

module:provides("net", {
	name = "chat";
	listener = listener;
	default_port = 7008;
	multiplex = { pattern = "^/nick ", sni = "chat.localhost" };
});
