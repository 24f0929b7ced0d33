package layout

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const (
	module = "github.com/moonport/moonport"
	luaVM  = "github.com/yuin/gopher-lua"
)

// mayLinkLua reports whether host package pkg may link the Lua VM: only the
// config (whose evaluator, host/config/luaconfig, runs the config file) and
// the core (which wires the Lua bridge in) may.
func mayLinkLua(pkg string) bool {
	return pkg == module+"/host/core" || pkg == module+"/host/config" || strings.HasPrefix(pkg, module+"/host/config/")
}

// TestHostLinksNoLua guards the layering the README states: the rest of the
// host (listen, ports, tlsconf, logging, check, …) knows nothing of Lua and
// reads config values through host/value. .ci/run checks the same.
func TestHostLinksNoLua(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/host/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if !mayLinkLua(pkg) && slices.Contains(strings.Fields(deps), luaVM) {
			t.Errorf("%s links %s; only host/config and host/core may (move the Lua part behind them)", pkg, luaVM)
		}
	}
}
