-- mod_static_files: serves the files of a folder over HTTP at /files.
--   static_files_dir = "www"   -- the folder (relative to the config file's folder)
-- Files are read with moonport.files, which resolves every path beneath
-- the folder: a path that leads out of it, by ".." or through a symlink,
-- is refused with 403 (symlinks that stay inside are served).
local files = require "moonport.files";

local dir = module:get_option_folder("static_files_dir", "www"); -- warns when missing

local types = { html = "text/html; charset=utf-8", css = "text/css", js = "text/javascript",
	txt = "text/plain; charset=utf-8", json = "application/json", png = "image/png", svg = "image/svg+xml" };

module:provides("http", {
	default_path = "/files";
	route = {
		["GET /*"] = function(event, path)
			if path == "" or path:sub(-1) == "/" then path = path .. "index.html" end
			local data, err, kind = files.read(dir, path);
			if not data then
				if kind == "not_found" or kind == "not_a_file" then return 404 end
				module:log("warn", "static_files: refused %s to %s: %s", path, event.request.ip, err);
				return 403;
			end
			event.response.headers.content_type = types[path:match("%.(%w+)$") or ""] or "application/octet-stream";
			return data;
		end;
	};
});
