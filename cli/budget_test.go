package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

func TestAbsurdBudgetsAreRefused(t *testing.T) {
	dir, _ := filepath.Abs("../examples/modules")
	for value, want := range map[string]string{
		"lua_timeout = 1e300":         "lua_timeout = 1e+300: expected 0 (off) or seconds from 0.001 to 3600",
		"lua_timeout = -1":            "lua_timeout = -1: expected 0 (off) or seconds from 0.001 to 3600",
		"lua_timeout = \"soon\"":      `lua_timeout = "soon": expected 0 (off) or seconds from 0.001 to 3600`,
		"lua_memory_limit = 10":       "lua_memory_limit = 10: expected 0 (off) or bytes from 1048576",
		"lua_memory_limit = 1/0":      "lua_memory_limit = +Inf: expected 0 (off) or bytes from 1048576",
		"lua_memory_limit = \"lots\"": `lua_memory_limit = "lots"`,
	} {
		cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { 7 }\n%s\n", dir, value))
		code, out, errOut := runCLI(t, "check", "config", "--config", cfg)
		if code != exitConfig || !strings.Contains(out+errOut, cfg+":5: "+want) {
			t.Errorf("%s: exit %d\n%s%s\nwant %q", value, code, out, errOut, want)
		}
	}
}
