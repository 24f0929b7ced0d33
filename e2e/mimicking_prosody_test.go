package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestMimickingBesideProsody: Prosody's mod_mimicking runs in moonport
// unchanged and guards mod_register_web's sign-up there: a username that
// looks like a taken one (Cyrillic "а" for Latin "a") is refused. Both
// servers share one data folder, so the skeleton store must be Prosody's:
// a name moonport registered is guarded in Prosody and one Prosody
// registered in moonport.
func TestMimickingBesideProsody(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	testenv.NeedTool(t, "setpriv", "util-linux")
	needModule(t, "register_web")
	bin := testenv.Binary(t)
	dir, data := prosodyDirs(t)
	p := testenv.FreePorts(t, 2)
	common := fmt.Sprintf("data_path = %q\ninterfaces = { \"127.0.0.1\" }\nmodules_disabled = { \"c2s\", \"s2s\" }\n"+
		"plugin_paths = { %q }\nhttp_interfaces = { \"127.0.0.1\" }\nhttps_ports = { }\n", data, prosodyModules)
	host := "VirtualHost \"example.com\"\nmodules_enabled = { \"register_web\", \"mimicking\" }\n"
	// As the user prosody (Prosody does not switch by itself), which
	// moonport switches to: each reads the files the other writes.
	testenv.Start(t, "setpriv", testenv.Args("--reuid", "prosody", "--regid", "prosody", "--init-groups",
		prosody, "--config", writeProsodyConfig(t, dir, data, common+fmt.Sprintf("http_ports = { %d }\n", p[0])+host), "-F"))
	logFile := filepath.Join(data, "moonport.log")
	testenv.Start(t, bin, testenv.Config(testenv.WriteConfig(t, common+
		fmt.Sprintf("log = { { to = \"file\", filename = %q } }\nhttp_ports = { %d }\n", logFile, p[1])+host)))
	logsOnFailure(t, logFile, filepath.Join(data, "prosody.log"))
	testenv.WaitListening(t, p[0], loopback(p[0]))
	testenv.WaitListening(t, p[1], loopback(p[1]))

	const refused = "Registration not allowed"
	for _, step := range []struct {
		server        string
		port          int
		user, outcome string
	}{
		{"moonport", p[1], "alice", "alice@example.com"},
		{"moonport", p[1], "\u0430lice", refused}, // Cyrillic а
		{"Prosody", p[0], "\u0430lice", refused},  // moonport's skeleton, read by Prosody
		{"Prosody", p[0], "bob", "bob@example.com"},
		{"moonport", p[1], "b\u043eb", refused}, // Cyrillic о: Prosody's skeleton
		{"moonport", p[1], "carol", "carol@example.com"},
	} {
		if body := registerWeb(t, step.port, step.user, "pw "+step.user); !strings.Contains(body, step.outcome) {
			out, _ := exec.Command("find", data, "-printf", "%u %m %p\n").CombinedOutput()
			t.Fatalf("%s registering %q: want %q in the page:\n%s\nthe data folder:\n%s", step.server, step.user, step.outcome, body, out)
		}
	}
}
