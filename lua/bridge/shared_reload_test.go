package bridge

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
)

// sessionsModule keeps a session per connection, the connection as the
// key of a module:shared table, as mod_proxy65 does.
func sessionsModule(version string) string {
	return `
local sessions = module:shared("sessions")
local notes = module:shared("/test/notes")
function module.unload()
	local n = 0
	for conn, s in pairs(sessions) do n = n + (conn.write and s.lines or 0) end
	notes.unloaded = "` + version + `:" .. n
end
module:provides("net", { name = "sess", default_port = 1, listener = {
	onincoming = function(conn, data)
		local name = data:match("^join (%w+)")
		if name then
			sessions[conn] = { name = name }
			sessions[conn].lines = 0
		end
		local s = sessions[conn]
		s.lines = s.lines + 1
		conn:write("` + version + ` " .. s.name .. " " .. s.lines .. " " .. tostring(notes.unloaded) .. " " .. tostring(getmetatable(sessions) == nil) .. "\n")
	end,
} })`
}

// A reload of the module owning a shared table hands its contents to the
// new instance, connections as keys included; what the old one writes in
// its module.unload reaches the new one's table (and pairs there sees it,
// the connection as a key), which is the real table
// in the new instance's state (not a proxy of the old one).
func TestModuleSharedAcrossReload(t *testing.T) {
	cfg := `modules_enabled = { "sess" }`
	rt, srv := newServedRuntime(t, cfg, map[string]string{"sess": sessionsModule("v1")})
	log := rt.Runtime.log
	if err := rt.LoadAll(); err != nil {
		t.Fatal(err)
	}
	pool := listen.NewPool(srv, log)
	t.Cleanup(pool.Close)
	b := ports.Binding{Service: "sess", Listener: "sess", Network: "tcp4", Address: netip.MustParseAddr("127.0.0.1")}
	res := pool.Apply([]ports.Binding{b}, func(ports.Binding) listen.Endpoint {
		return listen.Endpoint{Handlers: rt.Service("sess"), Settings: listen.DefaultSettings()}
	})
	if len(res.Opened) != 1 {
		t.Fatalf("no socket: %+v", res)
	}
	c, err := net.DialTimeout("tcp", res.Opened[0].Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	ask := func(line string) string {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", line, err)
		}
		return strings.TrimSpace(got)
	}
	if got := ask("join alice"); got != "v1 alice 1 nil true" {
		t.Fatalf("v1: %q", got)
	}
	st, err := rt.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"sess": sessionsModule("v2")}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if got := ask("again"); got != "v2 alice 2 v1:1 true" {
		t.Errorf("after the reload: %q, want the new instance with alice's session and v1's unload note", got)
	}
}
