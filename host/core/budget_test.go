package core

import (
	"fmt"
	"testing"
)

// A module that asks for a huge string, or grows a table without end, is
// stopped by lua_memory_limit with its file and line in the log; the
// process, the module and the others keep serving.
func TestMemoryHogIsStopped(t *testing.T) {
	port, echo := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "hog", "echo" }
interfaces = { "127.0.0.1" }
hog_ports = %d
echo_ports = %d
lua_timeout = 10
lua_memory_limit = 64 * 1024 * 1024
`, port, echo), map[string]string{"hog": `
local kept = {}
module:provides("net", { name = "hog", default_port = 1, listener = {
	default_mode = "*l";
	onincoming = function(conn, line)
		if line == "rep" then conn:write(#string.rep("x", 1e9) .. "\n") end
		if line == "grow" then
			local i = 0
			while true do i = i + 1; kept[i] = { i, tostring(i) } end
		end
		kept = {}
		conn:write("ok " .. line .. "\n")
	end;
}})`})
	e := dial(t, echo)
	for _, c := range []struct{ line, where string }{{"rep", "mod_hog.lua:6:"}, {"grow", "mod_hog.lua:9:"}} {
		hog := dial(t, port)
		hog.Send(c.line + "\n")
		hog.ExpectClosed()
		th.waitLog(t, "error in onincoming", c.where, "lua_memory_limit")
		e.Send("meanwhile\n")
		e.Expect("meanwhile")
	}
	again := dial(t, port)
	again.Send("fine\n")
	again.Expect("ok fine")
}
