package core

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
)

// apiModule drives most of the module and conn API from a line protocol,
// so a test can call each function through a real connection.
const apiModule = `
local server = require "net.server"
local set = require "util.set"
local shared = module:shared("counters")
local listener = { default_mode = "*l" }
local other = {}

module:hook("custom", function(event) return "low" end, 1)
module:hook("custom", function(event) return "high " .. event.n end, 10)

local function say(conn, fmt, ...) conn:write(string.format(fmt, ...) .. "\n") end

function other.onincoming(conn, line) say(conn, "other: %s", line) end
function other.onattach(conn, data) say(conn, "attached %s", tostring(data)) end

local dial_listener = {}
local dialer = {}
function dial_listener.onconnect(c) say(dialer[c], "dialled %s", c:serverip() ~= "" and "ok" or "?") ; c:write("via dial\n") end
function dial_listener.onincoming(c, data) say(dialer[c], "upstream said %s", data:gsub("\n", "")) ; c:close() end
function dial_listener.ondisconnect(c, err) local owner = dialer[c]; dialer[c] = nil; if owner then say(owner, "dial ended: %s", tostring(err)) end end

function listener.onconnect(conn) conn.greeted = "yes" end

function listener.ondrain(conn)
	if conn.want_drain then conn.want_drain = nil; say(conn, "drained") end
end

function listener.onincoming(conn, line)
	local cmd, arg = line:match("^(%S+)%s*(.*)$")
	if cmd == "opts" then
		say(conn, "string=%s number=%s bool=%s", module:get_option_string("api_name"), module:get_option_number("api_num") + 1, tostring(module:get_option_boolean("api_flag")))
		say(conn, "array=%s default=%s", table.concat(module:get_option_array("api_list"), ","), module:get_option("api_unset", "dflt"))
		local s = module:get_option_set("api_list")
		say(conn, "set has b=%s z=%s; util.set=%s", tostring(s:contains("b")), tostring(s:contains("z")), tostring(set.new({ "q" }):contains("q")))
		say(conn, "host=%s name=%s field=%s", module.host, module.name, conn.greeted)
	elseif cmd == "mode" then
		conn:set_mode(tonumber(arg))
		listener.raw = true
	elseif cmd == "fire" then
		say(conn, "fire=%s", module:fire_event("custom", { n = 7 }))
	elseif cmd == "timer" then
		local n = 0
		module:add_timer(0.01, function()
			n = n + 1
			say(conn, "tick %d", n)
			if n < 3 then return 0.01 end
		end)
	elseif cmd == "shared" then
		say(conn, "shared=%s", tostring(shared.hits))
	elseif cmd == "pause" then
		conn:pause()
		module:add_timer(0.1, function() say(conn, "resuming"); conn:resume() end)
	elseif cmd == "switch" then
		conn:setlistener(other, "data1")
	elseif cmd == "dial" then
		local c = server.addclient("127.0.0.1", tonumber(arg), dial_listener)
		dialer[c] = conn
	elseif cmd == "drain" then
		conn.want_drain = true
		conn:write(string.rep("x", 100000) .. "\n")
	elseif cmd == "log" then
		module:log("info", "format %s and %d and %s", "str", 5)
		say(conn, "logged")
	else
		say(conn, "echo %s", line)
	end
end

module:provides("net", { name = "api", listener = listener, default_port = 1 })
`

// helperModule lives in another Lua state: its handler, of a higher
// priority than api's, gets a copy of the event api fires, before api's
// own handlers, and writes to the shared table.
const helperModule = `
local shared = module:shared("/*/api/counters")
module:hook("custom", function(event) shared.hits = (shared.hits or 0) + event.n end, 20)
`

func TestModuleAPI(t *testing.T) {
	port, echo, closed := freePort(t), freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "api", "helper", "echo" }
interfaces = { "127.0.0.1" }
api_ports = %d
echo_ports = %d
api_name = 42
api_num = "41"
api_flag = "true"
api_list = { "a", "b" }
`, port, echo), map[string]string{"api": apiModule, "helper": helperModule})
	c := dial(t, port)

	c.Send("opts\n")
	c.Expect("string=42 number=42 bool=true")
	c.Expect("array=a,b default=dflt")
	c.Expect("set has b=true z=false; util.set=true")
	c.Expect("host=* name=api field=yes")

	c.Send("fire\n")
	c.Expect("fire=high 7")
	c.Send("shared\n")
	c.Expect("shared=7")

	c.Send("timer\n")
	c.Expect("tick 1")
	c.Expect("tick 2")
	c.Expect("tick 3")

	c.Send("pause\n")
	c.Send("after pause\n")
	c.Expect("resuming")
	c.Expect("echo after pause")

	c.Send("drain\n")
	if got := c.Line(); len(got) != 100000 {
		t.Fatalf("drain payload: %d bytes", len(got))
	}
	c.Expect("drained")

	c.Send(fmt.Sprintf("dial %d\n", echo))
	c.Expect("dialled ok")
	c.Expect("upstream said via dial")
	c.Expect("dial ended: nil")
	c.Send(fmt.Sprintf("dial %d\n", closed))
	if got := c.Line(); !strings.HasPrefix(got, "dial ended: ") || !strings.Contains(got, "refused") {
		t.Fatalf("dial to a closed port: %q", got)
	}

	c.Send("log\n")
	c.Expect("logged")
	th.waitLog(t, "format str and 5 and nil")

	c.Send("mode 4\n")
	c.Send("abcdefgh")
	c.Expect("echo abcd")
	c.Expect("echo efgh")
	c.Send("switch\n")
	c.Expect("echo swit")
	c.Send("ch\n")
	c.Expect("echo ch")
}

func TestSetListener(t *testing.T) {
	port := freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "api" }
interfaces = { "127.0.0.1" }
api_ports = %d
`, port), map[string]string{"api": apiModule})
	c := dial(t, port)
	c.Send("switch\n")
	c.Expect("attached data1")
	c.Send("hello\n")
	c.Expect("other: hello")
}

func TestHostsAndComponents(t *testing.T) {
	a, b := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`interfaces = { "127.0.0.1" }
whoami_ports = %d
hostonly_ports = %d
VirtualHost "a.example"
	modules_enabled = { "hostonly" }
	label = "from a"
Component "svc.example" "whoami"
	label = "from component"
`, a, b), map[string]string{
		"whoami":   `module:provides("net", { name = "whoami", default_port = 1, listener = { onconnect = function(c) c:write(module.host .. " " .. module:get_host_type() .. " " .. module:get_option_string("label") .. "\n"); c:close() end } })`,
		"hostonly": `module:provides("net", { name = "hostonly", default_port = 1, listener = { onconnect = function(c) c:write(module.host .. " " .. module:get_host_type() .. " " .. module:get_option_string("label") .. "\n"); c:close() end } })`,
	})
	dial(t, a).Expect("svc.example component from component")
	dial(t, b).Expect("a.example local from a")
}

func TestNamedListenerOverrides(t *testing.T) {
	plain, quick := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "echo" }
interfaces = { "127.0.0.1" }
echo_ports = %d
listeners = { quick = { service = "echo", bind = "127.0.0.1:%d", read_timeout = 0.1 } }
`, plain, quick), nil)
	q := dial(t, quick)
	q.Send("x\n")
	q.Expect("x")
	q.ExpectClosed() // its own read_timeout
	p := dial(t, plain)
	p.Send("y\n")
	p.Expect("y") // still open: the global read_timeout is 840 s
}

const copiesModule = `
local shared = module:shared("/test/copies")
local me = (shared.n or 0) + 1
shared.n = me
module:provides("net", { name = "copies", default_port = 1, workers = 2, listener = {
	onconnect = function(conn) conn:write("copy " .. me .. "\n"); conn:close() end;
}})`

func TestWorkersSpreadConnections(t *testing.T) {
	for _, c := range []struct {
		option string
		want   []string
	}{
		{"", []string{"copy 1", "copy 2"}},
		{"copies_workers = 3", []string{"copy 1", "copy 2", "copy 3"}},
		{"copies_workers = 1", []string{"copy 1"}},
	} {
		port := freePort(t)
		th := startHost(t, fmt.Sprintf("modules_enabled = { \"copies\" }\ninterfaces = { \"127.0.0.1\" }\ncopies_ports = %d\n%s\n", port, c.option),
			map[string]string{"copies": copiesModule})
		seen := map[string]bool{}
		for i := 0; i < 6; i++ {
			seen[dial(t, port).Line()] = true
		}
		if len(seen) != len(c.want) {
			t.Errorf("%q: connections went to %v, want %v", c.option, seen, c.want)
		}
		for _, w := range c.want {
			if !seen[w] {
				t.Errorf("%q: no connection reached %s (saw %v)", c.option, w, seen)
			}
		}
		th.Shutdown()
	}
}

func TestWorkersBadValue(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/prosody.cfg.lua"
	if err := os.WriteFile(cfg, []byte("modules_enabled = { \"copies\" }\ncopies_workers = \"lots\"\nstrict_modules = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/mod_copies.lua", []byte(copiesModule), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := luaconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Config: snap, Log: logrus.New()})
	if err == nil || !strings.Contains(err.Error(), cfg+`:2: copies_workers = "lots": expected "auto" or a whole number from 1 to 256`) {
		t.Fatalf("error = %v", err)
	}
}

func TestRunawayCallbackIsStopped(t *testing.T) {
	port, echo := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "spin", "echo" }
interfaces = { "127.0.0.1" }
spin_ports = %d
echo_ports = %d
lua_timeout = 0.3
`, port, echo), map[string]string{"spin": `
local function recurse(n) return recurse(n + 1) + 1 end
module:provides("net", { name = "spin", default_port = 1, listener = {
	default_mode = "*l";
	onincoming = function(conn, line)
		if line == "loop" then while true do end end
		if line == "recurse" then recurse(1) end
		conn:write("ok " .. line .. "\n")
	end;
}})`})
	e := dial(t, echo)
	looper := dial(t, port)
	looper.Send("loop\n")
	// Another module keeps serving while the loop runs.
	e.Send("meanwhile\n")
	e.Expect("meanwhile")
	looper.ExpectClosed()
	th.waitLog(t, "stopped after running longer than lua_timeout (300ms)")
	// The module itself serves again.
	again := dial(t, port)
	again.Send("fine\n")
	again.Expect("ok fine")
	// Runaway recursion hits the bounded stack instead of the host's memory.
	deep := dial(t, port)
	deep.Send("recurse\n")
	deep.ExpectClosed()
	th.waitLog(t, "stack overflow")
	again.Send("still\n")
	again.Expect("ok still")
}
