-- HAProxy Lua TCP services doing the same work as bench/modules.
core.register_service("bench_echo", "tcp", function(applet)
	while true do
		local line = applet:getline()
		if line == nil or line == "" then return end
		applet:send(line)
	end
end)

core.register_service("bench_resp", "tcp", function(applet)
	while true do
		local line = applet:getline()
		if line == nil or line == "" then return end
		if line:sub(1, 1) == "*" then
			-- "*1\r\n$4\r\nPING\r\n": skip the $length line and the command line
			applet:getline()
			applet:getline()
		end
		applet:send("+PONG\r\n")
	end
end)
