package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// whoModule is a module that asks for n copies with module:set_workers;
// each copy takes a number from a shared dict as it loads and answers a
// line with "<version> <copy> <hits>", hits counted across copies and
// reloads in the same dict.
func whoModule(version string, n int) string {
	return `if module.set_workers then module:set_workers(` + fmt.Sprint(n) + `) end
local dict = module:shared_dict("e2e")
local copy = dict:incr("copies", 1, 0)
module:provides("net", { name = "who", listener = {
	default_mode = "*l",
	onincoming = function(conn) conn:write("` + version + ` " .. copy .. " " .. dict:incr("hits", 1, 0) .. "\n") end,
} })
`
}

// TestSetWorkersCopiesServeAndReload runs the binary on a module that
// calls module:set_workers(2): new connections go to both copies in turn,
// their counts meet in the shared dict, a reload of the module changed to
// set_workers(3) brings three new copies that find the counts where the
// old ones left them, and the console's dict:list() shows the dict.
func TestSetWorkersCopiesServeAndReload(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	shipped, _ := filepath.Abs("../modules")
	p := testenv.FreePorts(t, 2)
	logFile := filepath.Join(dir, "moonport.log")
	modFile := filepath.Join(dir, "mod_who.lua")
	os.WriteFile(modFile, []byte(whoModule("v1", 2)), 0o644)
	cfg := filepath.Join(dir, "moonport.cfg.lua")
	os.WriteFile(cfg, []byte(fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { \"who\", \"admin_telnet\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nwho_ports = { %d }\nconsole_ports = { %d }\nrun_as_root = true\nreload_on_change = false\nshared_dicts = { e2e = \"64k\" }\nlog = { { to = \"file\", filename = %q } }\n",
		dir, shipped, p[0], p[1], logFile)), 0o644)
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, p[0], loopback(p[0]))

	// ask opens n connections, one line each, and returns the copies that
	// answered and the last hit count.
	ask := func(version string, n int) (map[string]bool, string) {
		t.Helper()
		copies := map[string]bool{}
		var hits string
		for range n {
			c := testenv.DialLine(t, p[0])
			c.Send("who\n")
			f := strings.Fields(c.Line())
			c.Close()
			if len(f) != 3 || f[0] != version {
				t.Fatalf("answer %q, want %q <copy> <hits>", strings.Join(f, " "), version)
			}
			copies[f[1]], hits = true, f[2]
		}
		return copies, hits
	}
	copies, hits := ask("v1", 4)
	if !copies["1"] || !copies["2"] || len(copies) != 2 || hits != "4" {
		t.Fatalf("v1: copies %v, hits %s; want copies 1 and 2, 4 hits", copies, hits)
	}

	os.WriteFile(modFile, []byte(whoModule("v2", 3)), 0o644)
	cmd.Signal(syscall.SIGHUP)
	waitReloaded(t, logFile, "SIGHUP", 1)
	copies, hits = ask("v2", 6)
	if !copies["3"] || !copies["4"] || !copies["5"] || len(copies) != 3 || hits != "10" {
		t.Fatalf("v2: copies %v, hits %s; want copies 3, 4 and 5, 10 hits", copies, hits)
	}

	out := moonportShell(t, bin, cfg, "dict:list()")
	if !strings.Contains(out, "e2e") || !strings.Contains(out, "64.0 KiB") || !strings.Contains(out, "1 shared dict(s)") {
		t.Errorf("dict:list():\n%s", out)
	}
}

// TestRateLimitExampleCountsAcrossCopies runs examples/modules/
// mod_rate_limit.lua as examples/many-cores.cfg.lua configures it (5 lines
// a minute), on a free port with two copies: two connections, served by
// different copies, share the client's count, so the sixth line is
// limited whichever copy reads it.
func TestRateLimitExampleCountsAcrossCopies(t *testing.T) {
	bin := testenv.Binary(t)
	mods, _ := filepath.Abs("../examples/modules")
	port := testenv.FreePorts(t, 1)[0]
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"rate_limit\" }\ninterfaces = { \"127.0.0.1\" }\nrun_as_root = true\nrate_limit_ports = { %d }\nrate_limit_workers = 2\nrate_limit_max = 5\nrate_limit_window = 60\nshared_dicts = { rate_limit = \"1M\" }\n",
		mods, port))
	testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	a, b := testenv.DialLine(t, port), testenv.DialLine(t, port)
	defer a.Close()
	defer b.Close()
	for i, c := range []*testenv.LineClient{a, a, a, b, b} {
		c.Send("hello\n")
		c.Expect(fmt.Sprintf("ok %d", i+1))
	}
	b.Send("hello\n")
	if got := b.Line(); !strings.HasPrefix(got, "limited, retry in ") {
		t.Errorf("the sixth line: %q", got)
	}
}
