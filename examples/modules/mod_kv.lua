-- mod_kv: a key-value service over a line protocol (port 7011), its data
-- in a store (module:open_store), so it outlives restarts and, with
-- storage = "sql", is shared by every instance using the same database
-- (examples/kv.cfg.lua, examples/scale-out/).
--
--   SET key value   stores value (the rest of the line) at key   -> OK
--   GET key         the value at key                  -> VALUE value, or NOT_FOUND
--   DEL key         removes key                                   -> OK
--   KEYS            every key, sorted, on one line               -> KEYS k1 k2 …
--   QUIT            says BYE and hangs up
--
-- A key is one word (no spaces), at most 256 bytes. A store that fails
-- (a database down, a call past its timeout) answers "ERR storage: …" to
-- that command; the connection and the service stay up.
--
-- Options: kv_store ("kv"), the store's name; kv_max_value (65536 bytes).
--
-- The data is the host's own (the user nil), in a map store: each key
-- one entry, read and written alone, so two instances writing different
-- keys never overwrite each other. KEYS opens the same store as keyval,
-- which reads the whole table at once (in Prosody too a map store is the
-- keys of a keyval store's table). There is no INCR: the store API has
-- no compare-and-set, so a read-then-write counter would lose updates
-- between instances.

-- Safe to copy: no state between callbacks but the store's.
-- Prosody has no set_workers: guard it there.
if module.set_workers then module:set_workers("auto") end

local store_name = module:get_option_string("kv_store", "kv");
local max_value = module:get_option_number("kv_max_value", 65536);
-- A store that cannot be opened (no such driver) fails the module's load.
local map = assert(module:open_store(store_name, "map"));
local whole = assert(module:open_store(store_name, "keyval"));

local listener = { default_mode = "*l" }; -- onincoming gets one line

local function reply(conn, text) conn:write(text .. "\n"); end

-- failed answers a store call that returned nil, err.
local function failed(conn, err)
	module:log("warn", "store %s: %s", store_name, err);
	reply(conn, "ERR storage: " .. tostring(err):gsub("[\r\n]", " "));
end

local commands = {};

function commands.SET(conn, key, value)
	if #value > max_value then
		return reply(conn, ("ERR value too long (kv_max_value is %d bytes)"):format(max_value));
	end
	local ok, err = map:set(nil, key, value);
	if not ok then return failed(conn, err); end
	reply(conn, "OK");
end

function commands.GET(conn, key)
	local value, err = map:get(nil, key);
	if value == nil and err then return failed(conn, err); end
	if value == nil then return reply(conn, "NOT_FOUND"); end
	reply(conn, "VALUE " .. tostring(value));
end

function commands.DEL(conn, key)
	local ok, err = map:set(nil, key, nil);
	if not ok then return failed(conn, err); end
	reply(conn, "OK");
end

function commands.KEYS(conn)
	local data, err = whole:get(nil);
	if data == nil and err then return failed(conn, err); end
	local keys = {};
	for k in pairs(data or {}) do keys[#keys + 1] = tostring(k); end
	table.sort(keys);
	reply(conn, table.concat({ "KEYS", unpack(keys) }, " "));
end

-- usage is each command's arguments: "key", "key value" or none.
local usage = { SET = "key value", GET = "key", DEL = "key", KEYS = "" };

function listener.onincoming(conn, line)
	line = line:gsub("\r$", "");
	local verb, key, value = line:match("^%s*(%S+)%s*(%S*)%s?(.*)$");
	verb = verb and verb:upper();
	if verb == "QUIT" then
		reply(conn, "BYE");
		return conn:close();
	end
	local want = usage[verb];
	if not want then
		return reply(conn, "ERR unknown command (SET, GET, DEL, KEYS, QUIT)");
	end
	local args = (key ~= "" and 1 or 0) + (value ~= "" and 1 or 0);
	local _, wanted = want:gsub("%S+", "");
	if (verb == "SET" and key == "") or (verb ~= "SET" and args ~= wanted) or #key > 256 then
		return reply(conn, ("ERR usage: %s %s"):format(verb, want));
	end
	commands[verb](conn, key, value);
end

module:provides("net", {
	name = "kv";
	listener = listener;
	default_port = 7011;
});
