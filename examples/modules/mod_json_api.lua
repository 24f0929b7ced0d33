-- mod_json_api: a small JSON API over HTTP, mounted at /api.
--   GET  /api/items        list the items
--   POST /api/items        add one (the body is its name)
--   GET  /api/items/NAME   one item, or 404
--   GET  /api/hello        {"hello":"world"}
local items, order = {}, {};

local function json_string(s)
	return '"' .. s:gsub('[%c"\\]', function(c) return ("\\u%04x"):format(c:byte()) end) .. '"';
end

local function json(status, body, event)
	event.response.headers.content_type = "application/json";
	event.response.status_code = status;
	return body .. "\n";
end

module:provides("http", {
	default_path = "/api";
	route = {
		["GET /hello"] = function(event) return json(200, '{"hello":"world"}', event) end;
		["GET /items"] = function(event)
			local out = {};
			for _, name in ipairs(order) do out[#out + 1] = json_string(name) end
			return json(200, "[" .. table.concat(out, ",") .. "]", event);
		end;
		["POST /items"] = function(event)
			local name = event.request.body;
			if name == "" then return json(400, '{"error":"the body must be the item name"}', event) end
			if not items[name] then
				items[name] = true;
				order[#order + 1] = name;
			end
			return json(201, '{"created":' .. json_string(name) .. '}', event);
		end;
		["GET /items/*"] = function(event, name)
			if not items[name] then return json(404, '{"error":"no such item"}', event) end
			return json(200, '{"name":' .. json_string(name) .. '}', event);
		end;
	};
});
