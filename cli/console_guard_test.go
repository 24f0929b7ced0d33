package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// TestCheckConfigRefusesAnOpenRemoteConsole: a console on a public
// address with console_auth = false is an error of check config, password
// or not, saying what to write.
func TestCheckConfigRefusesAnOpenRemoteConsole(t *testing.T) {
	port := testenv.FreePort(t, "tcp4")
	cfg := testenv.WriteConfig(t, fmt.Sprintf(`modules_enabled = { "admin_telnet" }
console_interfaces = { "0.0.0.0" }
console_ports = { %d }
console_password = "long enough secret"
console_auth = false
`, port))
	code, out, errOut := runCLI(t, "check", "config", "--config", cfg)
	want := fmt.Sprintf("FAIL  %s:5: console on 0.0.0.0:%d (listener console) is reachable from other machines and stays closed: console_auth = false turns its password off, so anyone who reaches it could run commands; remove console_auth = false and set console_password = \"…\", or keep the console on loopback: console_interfaces = { \"127.0.0.1\", \"::1\" }", cfg, port)
	if code != exitConfig || !strings.Contains(out, want) {
		t.Errorf("exit %d, want %d and\n%s\ngot:\n%s%s", code, exitConfig, want, out, errOut)
	}
}
