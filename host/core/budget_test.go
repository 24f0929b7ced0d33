package core

import (
	"fmt"
	"testing"
	"time"
)

// A module that asks for a huge string, or grows a table without end, is
// stopped by lua_memory_limit with its file and line in the log; the
// process, the module and the others keep serving.
//
// lua_timeout is far off so that the memory budget, not time, is what
// stops the loop: under -race on a loaded machine filling the budget took
// longer than the 10 s lua_timeout and ExpectClosed's bound it had (the
// close then came from the wrong budget, or not in time). The close is
// awaited for as long as filling the budget can take there.
func TestMemoryHogIsStopped(t *testing.T) {
	port, echo := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "hog", "echo" }
interfaces = { "127.0.0.1" }
hog_ports = %d
echo_ports = %d
lua_timeout = 600
lua_memory_limit = 32 * 1024 * 1024
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
		start := time.Now()
		hog.Send(c.line + "\n")
		hog.ExpectClosedWithin(2 * time.Minute)
		t.Logf("%s stopped after %s", c.line, time.Since(start))
		th.waitLog(t, "error in onincoming", c.where, "lua_memory_limit")
		e.Send("meanwhile\n")
		e.Expect("meanwhile")
	}
	again := dial(t, port)
	again.Send("fine\n")
	again.Expect("ok fine")
}
