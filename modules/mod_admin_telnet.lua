-- mod_admin_telnet: the admin console, Prosody's telnet console for
-- moonport. A private service ("console", port 5582, local_interfaces
-- only). Each line is a Lua expression: server:version(), port:list(), …
-- Type "help" once connected. See the README's "Admin console" section.
module:set_global();

local admin = require "moonport.admin";
local shared = require "moonport.shared";

local sessions = {};  -- conn -> session

local function fmt_bytes(n)
	if n >= 1048576 then return ("%.1f MiB"):format(n / 1048576) end
	if n >= 1024 then return ("%.1f KiB"):format(n / 1024) end
	return ("%d B"):format(n)
end

local function fmt_duration(s)
	s = math.floor(s);
	local d, h, m = math.floor(s / 86400), math.floor(s / 3600) % 24, math.floor(s / 60) % 60;
	local out = {};
	if d > 0 then out[#out + 1] = d .. "d" end
	if d > 0 or h > 0 then out[#out + 1] = h .. "h" end
	if d > 0 or h > 0 or m > 0 then out[#out + 1] = m .. "m" end
	out[#out + 1] = (s % 60) .. "s";
	return table.concat(out, " ");
end

-- print_table writes rows as aligned columns under a header.
local function print_table(print, rows, columns)
	local widths = {};
	for i, col in ipairs(columns) do widths[i] = #col.title end
	local cells = {};
	for r, row in ipairs(rows) do
		cells[r] = {};
		for i, col in ipairs(columns) do
			local v = row[col.key];
			if col.format then v = col.format(v) end
			v = tostring(v == nil and "" or v);
			cells[r][i] = v;
			if #v > widths[i] then widths[i] = #v end
		end
	end
	local function line(values)
		local parts = {};
		for i, v in ipairs(values) do
			parts[i] = v .. string.rep(" ", widths[i] - #v);
		end
		print((table.concat(parts, "  "):gsub("%s+$", "")));
	end
	local titles = {};
	for i, col in ipairs(columns) do titles[i] = col.title end
	line(titles);
	for _, c in ipairs(cells) do line(c) end
end

local help = {
	server = {
		"server:version()          the moonport version",
		"server:uptime()           how long the server has been running",
		"server:memory()           memory in use, goroutines and connections",
		"server:shutdown(reason)   stop the server (connections are closed cleanly)",
		"server:upgrade()          start the new binary with the listening sockets (zero downtime)",
	},
	port = {
		"port:list()               every listening socket with its service, TLS and connections",
		"port:close(port, iface)   stop accepting on a port (every interface without iface), until the next reload",
	},
	module = {
		"module:list()             loaded modules with their services and connections",
		"module:info(name)         one module in detail",
		"module:load(name, host)   load a module (host defaults to \"*\") until the process stops",
		"module:unload(name, host) unload a module until the process stops",
		"module:reload(name, host) load the module's file again (module.save/restore carry its state)",
	},
	config = {
		"config:get(host, key)     an option's value as the config has it (host \"*\" for global; secrets redacted)",
		"config:reload()           read the config again and apply the changes",
	},
	conn = {
		"conn:list(service)        connections (of one service, or all): listener, peer, TLS, bytes, age",
		"conn:close(id)            close a connection (queued data is still sent)",
	},
	stats = {
		"stats:show()              per listener: open, accepted, rejected, bytes, Lua errors; reloads",
	},
	dict = {
		"dict:list()               shared dicts (module:shared_dict) with their entries, bytes and capacity",
	},
	storage = {
		"storage:stores(host)      stores holding data (of one host, or all): driver, type and users",
	},
	log = {
		"log:level(level)          log from level up: debug, info, warn, error, or default",
		"log:reopen()              open the log files again (after logrotate moved them), as SIGUSR1",
	},
};
local sections = { "server", "port", "module", "config", "conn", "stats", "dict", "storage", "log" };
local about = {
	server = "version, uptime, memory, shutdown, upgrade",
	port = "listening sockets: list, close",
	module = "modules: list, info, load, unload, reload",
	config = "options: get; reload the config",
	conn = "connections: list, close",
	stats = "counters per listener",
	dict = "shared dicts: list",
	storage = "module data (module:open_store): stores",
	log = "change the log level at run time",
};

local function show_help(print, section)
	if section and help[section] then
		for _, l in ipairs(help[section]) do print(l) end
		return true, "help for " .. section;
	end
	print("Commands are Lua expressions, one a line. Sections:");
	for _, s in ipairs(sections) do
		print(("  %-8s %s"):format(s, about[s]));
	end
	print("Type 'help SECTION' for a section's commands, 'quit' to leave.");
	return true, "help";
end

-- call asks the host; an error becomes the command's error.
local function call(name, ...)
	local res, err = admin.call(name, ...);
	if err then error({ message = err }, 0) end
	return res;
end

local function commands(print)
	local c = {};
	c.server = {
		version = function() return true, "moonport " .. call("version") end,
		uptime = function() return true, "up " .. fmt_duration(call("uptime")) end,
		memory = function()
			local m = call("memory");
			print(("heap in use  %s"):format(fmt_bytes(m.heap)));
			print(("from the OS  %s"):format(fmt_bytes(m.sys)));
			print(("goroutines   %d"):format(m.goroutines));
			print(("connections  %d"):format(m.connections));
			return true, "memory";
		end,
		shutdown = function(_, reason) return true, call("shutdown", reason) end,
		upgrade = function() return true, call("upgrade") end,
	};
	c.port = {
		list = function()
			local rows = call("ports");
			print_table(print, rows, {
				{ key = "service", title = "SERVICE" }, { key = "listener", title = "LISTENER" },
				{ key = "address", title = "ADDRESS" }, { key = "port", title = "PORT" },
				{ key = "encryption", title = "ENCRYPTION" }, { key = "reach", title = "REACH" },
				{ key = "open", title = "OPEN" }, { key = "accepted", title = "ACCEPTED" },
			});
			return true, #rows .. " listening socket(s)";
		end,
		close = function(_, port, iface)
			if type(port) ~= "number" then error({ message = "usage: port:close(port, interface)" }, 0) end
			return true, "closed " .. call("close_port", port, iface) .. " socket(s)";
		end,
	};
	c.module = {
		list = function()
			local rows = call("modules");
			print_table(print, rows, {
				{ key = "name", title = "MODULE" }, { key = "host", title = "HOST" }, { key = "services", title = "SERVICES" },
				{ key = "copies", title = "COPIES" }, { key = "connections", title = "CONNECTIONS" }, { key = "file", title = "FILE" },
			});
			return true, #rows .. " module(s)";
		end,
		info = function(_, name)
			for _, m in ipairs(call("module_info", name)) do
				print(("%s on %s"):format(m.name, m.host));
				print("  file         " .. m.file);
				print("  services     " .. (m.services ~= "" and m.services or "(none)"));
				print("  copies       " .. m.copies);
				print("  connections  " .. m.connections);
				if m.status then print("  status       " .. m.status); end
			end
			return true, name;
		end,
		load = function(_, name, host) call("module_load", name, host); return true, "loaded " .. name end,
		unload = function(_, name, host) call("module_unload", name, host); return true, "unloaded " .. name end,
		reload = function(_, name, host) call("module_reload", name, host); return true, "reloaded " .. name end,
	};
	c.config = {
		get = function(_, host, key)
			-- config:get(key) reads the global section. (Two assignments, not
			-- "host, key = '*', host": gopher-lua swaps those wrongly.)
			if key == nil then
				key = host;
				host = "*";
			end
			return true, call("config_get", host, key);
		end,
		reload = function() call("reload"); return true, "config reloaded" end,
	};
	c.conn = {
		list = function(_, service)
			local rows = call("conns", service);
			print_table(print, rows, {
				{ key = "id", title = "ID" }, { key = "service", title = "SERVICE" }, { key = "listener", title = "LISTENER" },
				{ key = "peer", title = "PEER" }, { key = "tls", title = "TLS" },
				{ key = "in", title = "IN", format = fmt_bytes }, { key = "out", title = "OUT", format = fmt_bytes },
				{ key = "age", title = "AGE" },
			});
			return true, #rows .. " connection(s)";
		end,
		close = function(_, id) call("close_conn", tonumber(id)); return true, "closing connection " .. tostring(id) end,
	};
	c.stats = {
		show = function()
			local s = call("stats");
			print_table(print, s.listeners, {
				{ key = "listener", title = "LISTENER" }, { key = "address", title = "ADDRESS" },
				{ key = "open", title = "OPEN" }, { key = "accepted", title = "ACCEPTED" }, { key = "rejected", title = "REJECTED" },
				{ key = "in", title = "IN", format = fmt_bytes }, { key = "out", title = "OUT", format = fmt_bytes },
				{ key = "lua_errors", title = "LUA ERRORS" },
			});
			local r = call("reload_status");
			print(("reloads: %d (%d failed)%s"):format(r.count, r.failures, r.error ~= "" and ("; last error: " .. r.error) or ""));
			return true, "stats";
		end,
	};
	c.dict = {
		list = function()
			local rows = shared.list();
			print_table(print, rows, {
				{ key = "name", title = "NAME" }, { key = "entries", title = "ENTRIES" },
				{ key = "bytes", title = "BYTES", format = fmt_bytes }, { key = "capacity", title = "CAPACITY", format = fmt_bytes },
			});
			return true, #rows .. " shared dict(s)";
		end,
	};
	c.storage = {
		stores = function(_, host)
			local rows = call("stores", host);
			print_table(print, rows, {
				{ key = "host", title = "HOST" }, { key = "store", title = "STORE" }, { key = "driver", title = "DRIVER" },
				{ key = "type", title = "TYPE" }, { key = "users", title = "USERS" },
			});
			return true, #rows .. " store(s)";
		end,
	};
	c.log = {
		level = function(_, level) call("log_level", level); return true, "logging from " .. tostring(level) end,
		reopen = function() call("reopen_logs"); return true, "log files reopened" end,
	};
	return c;
end

-- status writes the one line that ends every answer: "OK: text" or
-- "! text". A line break in text (a string a command returned, an error
-- of several lines) becomes "; ", or the client would take what follows
-- for the next answer.
local function status(conn, mark, text)
	conn:write(mark .. " " .. tostring(text):gsub("[\r\n]+", "; ") .. "\n");
end

-- run evaluates one console line for a session.
local function run(session, line)
	local conn = session.conn;
	local function print(s) -- every line of s is an output line
		conn:write("| " .. tostring(s):gsub("\r?\n", "\n| ") .. "\n");
	end
	if line == "" then return end
	if line == "quit" or line == "exit" or line == "bye" then
		conn:write("OK: bye\n");
		conn:close();
		return;
	end
	-- "help" or "help SECTION". (Patterns anchored on "help": a pattern
	-- such as "^(%a+)%s*(%a*)%s*$" backtracks quadratically over a long
	-- word, which kept the console busy past lua_timeout.)
	local rest = line:match("^help%s*$") and "" or line:match("^help%s+(%a+)%s*$");
	if rest then
		local ok, msg = show_help(print, rest ~= "" and rest or nil);
		status(conn, "OK:", msg);
		return;
	end
	local env = commands(print);
	local f, err = loadstring("return " .. line, "console");
	if not f then f, err = loadstring(line, "console") end
	if not f then
		local msg = tostring(err):gsub("^console%s*line:%d+%(column:%d+%)%s*", ""):gsub("%s+", " "):gsub("%s+$", "");
		status(conn, "!", "Syntax error: " .. msg);
		return;
	end
	setfenv(f, setmetatable(env, { __index = function(_, k)
		error({ message = ("unknown command '%s': type 'help'"):format(tostring(k)) }, 0);
	end }));
	local ok, a, b = pcall(f);
	if not ok then
		local msg = type(a) == "table" and a.message or tostring(a);
		status(conn, "!", (tostring(msg):gsub("^console:%d+: ", "")));
	elseif a == false or (a == nil and b) then
		status(conn, "!", b);
	elseif type(a) == "function" or type(a) == "table" then
		conn:write("! '" .. line .. "' is a section or command, not a call: try " .. line:gsub("%.", ":") .. "() or 'help'\n");
	else
		status(conn, "OK:", b or a or "");
	end
end

-- Each session's lines run in a task (admin.run), one after another: an
-- admin call that waits (a reload, which may reload this very module)
-- does not hold this module's state, so other sessions go on meanwhile,
-- and a session's lines keep their order. A session is { conn, queue (its
-- lines not yet run, as strings), greeted, authed, secret, waiting and
-- delay (a wrong password is being answered), running (a task works
-- through the queue), held (see module.save) }.
local max_queued = 64;

local leaving = {}; -- session -> true: was running at module.save (see hand_over)

local function greet(session)
	local conn = session.conn;
	local secret, err = admin.call("console_secret", conn:ip());
	if err then
		module:log("error", "console: %s", err);
		status(conn, "!", "console unavailable: " .. err);
		conn:close();
		sessions[conn] = nil;
		return;
	end
	session.secret, session.authed = secret, secret == nil;
	conn:write("moonport console " .. admin.call("version") .. " - type 'help'\n");
	if secret then conn:write("Password:\n") end
end

-- refuse answers a wrong password after delay seconds and closes; the
-- session ignores its lines meanwhile.
local function refuse(session, delay)
	session.waiting, session.delay = true, delay;
	local conn = session.conn;
	module:add_timer(delay, function()
		conn:write("! Wrong password\n");
		conn:close();
	end);
end

local function handle(session, line)
	if session.waiting then return end
	if not session.authed then
		if line == session.secret then
			session.authed = true;
			session.conn:write("OK: authenticated\n");
			return;
		end
		refuse(session, admin.call("auth_failed", session.conn:ip()) or 1);
		return;
	end
	run(session, line);
end

-- hand_over passes a session that was running when this instance was
-- saved to the connection's owner now, once its queue is done: after a
-- reload the new instance, which held the session's later lines until
-- this answer was written (listener.onhandover).
local function hand_over(session)
	leaving[session] = nil;
	admin.handover(session.conn, {
		closed = sessions[session.conn] ~= session, greeted = session.greeted,
		authed = session.authed, secret = session.secret, waiting = session.waiting, delay = session.delay,
	});
end

local function pump(session)
	if session.running or session.held then return end
	session.running = true;
	admin.run(function()
		while sessions[session.conn] == session do
			local work, line = handle, nil;
			if not session.greeted then
				session.greeted = true;
				work = greet;
			else
				line = table.remove(session.queue, 1);
				if line == nil then break end
			end
			local ok, err = pcall(work, session, line);
			if not ok then module:log("error", "console: %s", tostring(err)) end
		end
		session.running = false;
		if leaving[session] then hand_over(session) end
	end);
end

local function enqueue(session, line)
	if #session.queue >= max_queued then
		session.conn:write("! too many lines waiting; closing\n");
		session.conn:close();
		sessions[session.conn] = nil;
		return;
	end
	session.queue[#session.queue + 1] = line;
	pump(session);
end

local listener = { default_mode = "*l" };

function listener.onconnect(conn)
	local session = { conn = conn, queue = {} };
	sessions[conn] = session;
	pump(session); -- the greeting
end

function listener.onincoming(conn, line)
	local session = sessions[conn];
	if not session then return end
	enqueue(session, line);
end

function listener.ondisconnect(conn)
	sessions[conn] = nil;
end

-- Sessions outlive a reload of this module (module:reload("admin_telnet")
-- from a session goes on in the new instance): logged in, at the password
-- prompt, being greeted, or answering a wrong password. The host runs
-- nothing here between save and the switch, so what save sees is final,
-- except for a session whose task is under way (the reload's own, or one
-- about to start): that one finishes its lines here, and the new instance
-- holds it, queueing what arrives, until hand_over says how it ended.
function module.save()
	local list = {};
	for conn, s in pairs(sessions) do
		list[#list + 1] = { conn = conn, greeted = s.greeted, authed = s.authed, secret = s.secret,
			waiting = s.waiting, delay = s.delay, held = s.running or s.held,
			queue = not s.running and s.queue or nil };
		if s.running then leaving[s] = true end
	end
	return { sessions = list };
end

function module.restore(state)
	for _, s in ipairs(state.sessions or {}) do
		if s.conn then -- nil if it closed meanwhile
			local session = { conn = s.conn, queue = s.queue or {}, greeted = s.greeted, authed = s.authed,
				secret = s.secret, held = s.held };
			sessions[s.conn] = session;
			if s.waiting and not s.held then refuse(session, s.delay or 1) end
		end
	end
end

-- onhandover (moonport's callback, from admin.handover): the instance this
-- one replaced is done with a held session.
function listener.onhandover(conn, state)
	local session = sessions[conn];
	if not (session and session.held) then return end -- nothing held: the reload did not happen
	if state.closed then
		sessions[conn] = nil;
		return;
	end
	session.held, session.greeted, session.authed, session.secret = nil, state.greeted, state.authed, state.secret;
	if state.waiting then
		refuse(session, state.delay or 1);
		return;
	end
	pump(session);
end

-- A console off loopback needs a real password: without one (or with
-- console_auth = false) the host keeps it closed there, with an error
-- saying what to write (host/core/console_guard.go). With one, warn, at
-- startup and after every reload (which may have opened it).
local function warn_public_consoles()
	for _, p in ipairs(admin.call("ports") or {}) do
		if p.service == "console" and p.reach == "public" then
			module:log("warn", "console listens on %s:%d, reachable from other machines; keep it behind a firewall", p.address, p.port);
		end
	end
end
module:hook("server-started", warn_public_consoles);
module:hook("server-reloaded", warn_public_consoles); -- moonport's event: after a reload's sockets are in place

module:provides("net", {
	name = "console";
	listener = listener;
	default_port = 5582;
	private = true;
});
