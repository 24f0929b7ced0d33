-- mod_static_files: serves the files of a folder over HTTP at /files.
--   static_files_dir = "www"   -- the folder (relative to the working directory)
-- Paths that try to leave the folder are refused.
local dir = module:get_option_string("static_files_dir", "www");

local types = { html = "text/html; charset=utf-8", css = "text/css", js = "text/javascript",
	txt = "text/plain; charset=utf-8", json = "application/json", png = "image/png", svg = "image/svg+xml" };

module:provides("http", {
	default_path = "/files";
	route = {
		["GET /*"] = function(event, path)
			if path == "" then path = "index.html" end
			if path:find("%.%.") or path:find("^/") or path:find("%z") then return 403 end
			local f = io.open(dir .. "/" .. path, "rb");
			if not f then return 404 end
			local data = f:read("*a");
			f:close();
			event.response.headers.content_type = types[path:match("%.(%w+)$") or ""] or "application/octet-stream";
			return data;
		end;
	};
});
