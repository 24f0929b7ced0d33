-- Written only against Prosody's documented net-provider API. The
-- compatibility test runs this very file in Prosody and in moonport and
-- compares what a client sees.
module:set_global();

local listener = { default_mode = "*l" };
local greeting = module:get_option_string("compat_greeting", "hi");

function listener.onconnect(conn)
	conn:write(greeting .. " from " .. module.name .. "\n");
end

function listener.onincoming(conn, line)
	if line == "quit" then
		conn:write("bye\n");
		conn:close();
		return;
	end
	conn:write(line:upper() .. " " .. #line .. "\n");
end

function listener.ondisconnect(conn, err)
end

module:provides("net", {
	name = "compat";
	listener = listener;
	default_port = 1;
});
