package bridge

import (
	"errors"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// The ssl_config of Prosody's mod_net_multiplex: alpn is a function that
// answers with the protocols of the services known when it is called.
const muxModule = `
local protocols = { "xmpp-client" };
function add(p) protocols[#protocols + 1] = p; end
module:provides("net", {
	name = "multiplex_ssl";
	encryption = "ssl";
	ssl_config = {
		alpn = function(offered)
			seen = table.concat(offered, ",");
			if offered[1] == "boom" then error("no protocols for you") end
			return protocols;
		end;
		dhparam = "dh.pem";
	};
	listener = {};
});
`

// TestSSLConfigFunctions: a function in a service's ssl_config becomes a
// value.Function that Go code calls in the module's state, getting the
// state's current answer; the table names the provides call.
func TestSSLConfigFunctions(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"mux": muxModule})
	inst := tr.load(t, "mux")
	svc := tr.Service("multiplex_ssl")
	if svc == nil || svc.SSLConfig == nil {
		t.Fatal("no ssl_config")
	}
	if svc.SSLConfig.Origin != "mods/mod_mux.lua:4" || svc.SSLConfig.Field("dhparam") != "dh.pem" {
		t.Errorf("ssl_config origin %q, dhparam %v", svc.SSLConfig.Origin, svc.SSLConfig.Field("dhparam"))
	}
	fn, ok := svc.SSLConfig.Field("alpn").(*value.Function)
	if !ok || fn.Call == nil || fn.Where != "mods/mod_mux.lua:8" {
		t.Fatalf("alpn = %#v, want a callable function defined at mods/mod_mux.lua:8", svc.SSLConfig.Field("alpn"))
	}
	ask := func(offered ...any) ([]any, error) {
		return fn.Call(&value.Table{Array: offered})
	}
	if _, err := callGlobal(inst, "add", "h2"); err != nil {
		t.Fatal(err)
	}
	res, err := ask("h2", "http/1.1")
	if err != nil || len(res) != 1 || value.Format(res[0]) != `{ "xmpp-client", "h2" }` {
		t.Errorf("alpn(h2, http/1.1) = %v, %v", res, err)
	}
	if seen, _ := callGlobal(inst, "tostring", inst.L.GetGlobal("seen")); seen != "h2,http/1.1" {
		t.Errorf("the function saw %q, want the client's list", seen)
	}
	if _, err := ask("boom"); err == nil || !strings.Contains(err.Error(), "mod_mux.lua:10: no protocols for you") {
		t.Errorf("a Lua error: %v", err)
	}
	if len(tr.log.lines("no protocols for you")) == 0 {
		t.Error("the Lua error was not logged")
	}
	inst.stop()
	if _, err := ask("h2"); !errors.Is(err, errStopped) {
		t.Errorf("after the module stopped: %v", err)
	}
}

// TestConfigFunctionsReachModulesAsFailingFunctions: a function the
// config's ssl table holds reaches a module reading the option as a
// function that fails, naming where it was defined (the config's state is
// gone), rather than as a string or a crash.
func TestConfigFunctionsReachModulesAsFailingFunctions(t *testing.T) {
	tr := newTestRuntime(t, "ssl = {\n\tpassword = function() return 'x' end;\n}\n", map[string]string{"reader": `
function try()
	local f = module:get_option("ssl").password;
	local ok, err = pcall(f);
	return type(f) .. " " .. tostring(ok) .. " " .. tostring(err);
end
`})
	inst := tr.load(t, "reader")
	out, err := callGlobal(inst, "try")
	if err != nil || !strings.HasPrefix(out, "function false ") || !strings.Contains(out, "the function defined at test.cfg.lua:2 cannot be called from here") {
		t.Errorf("got %q, %v", out, err)
	}
}
