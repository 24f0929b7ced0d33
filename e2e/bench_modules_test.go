package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestBenchModulesRunInProsodyAndMoonport: bench/modules' echo and RESP
// modules, which ask moonport for a copy per CPU (module:set_workers) and
// count connections in a shared dict, still run unchanged in Prosody
// (which has neither), configured as bench/run configures both; in
// moonport the connection count shows on the console.
func TestBenchModulesRunInProsodyAndMoonport(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	bin := testenv.Binary(t)
	mods, _ := filepath.Abs("../bench/modules")
	shipped, _ := filepath.Abs("../modules")
	dir, data := prosodyDirs(t)
	p := testenv.FreePorts(t, 5)
	pcfg := writeProsodyConfig(t, dir, data, fmt.Sprintf("data_path = %q\nplugin_paths = { %q }\nrun_as_root = true\nmodules_enabled = { \"bench_echo\", \"bench_resp\" }\nmodules_disabled = { \"c2s\", \"s2s\", \"offline\", \"s2s_auth_certs\" }\ninterfaces = { \"127.0.0.1\" }\nbench_echo_ports = { %d }\nbench_resp_ports = { %d }\nVirtualHost \"localhost\"\n",
		data, mods, p[0], p[1]))
	testenv.Start(t, prosody, testenv.Args("--config", pcfg, "-F"))
	mcfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { \"bench_echo\", \"bench_resp\", \"admin_telnet\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nbench_echo_ports = { %d }\nbench_resp_ports = { %d }\nconsole_ports = { %d }\nrun_as_root = true\n",
		mods, shipped, p[2], p[3], p[4]))
	testenv.Start(t, bin, testenv.Config(mcfg))
	for _, ports := range [][2]int{{p[0], p[1]}, {p[2], p[3]}} {
		testenv.WaitListening(t, ports[0], loopback(ports[0]))
		testenv.WaitListening(t, ports[1], loopback(ports[1]))
		echoes(t, ports[0])
		c := testenv.DialLine(t, ports[1])
		c.Send("*1\r\n$4\r\nPING\r\nPING\r\n")
		c.Expect("+PONG")
		c.Expect("+PONG")
		if ports[0] == p[2] {
			out := moonportShell(t, bin, mcfg, "dict:list()")
			if !strings.Contains(out, "bench ") || !strings.Contains(out, "1 shared dict(s)") {
				t.Errorf("dict:list() with a RESP connection open:\n%s", out)
			}
		}
		c.Close()
	}
}
