package bridge

import (
	"errors"
	"strings"
	"testing"
)

// logAdmin answers reopen_logs, counting the calls, or fails them.
type logAdmin struct {
	reopened int
	fail     bool
}

func (a *logAdmin) Waits(string) bool { return false }

func (a *logAdmin) Call(name string, _ []any) (any, error) {
	if name != "reopen_logs" {
		return nil, errors.New("unexpected call " + name)
	}
	if a.fail {
		return nil, errors.New("cannot open x.log")
	}
	a.reopened++
	return nil, nil
}

const lmModule = `
local lm = require "core.loggingmanager"
function reload() local ok, err = lm.reload_logging(); return tostring(ok) .. " " .. tostring(err) end
function levels(src)
	local set = lm.get_levels(loadstring("return " .. src)(), { extra = true })
	local out = {}
	for _, l in ipairs({ "debug", "info", "warn", "error", "extra" }) do
		if set[l] then out[#out + 1] = l end
	end
	return table.concat(out, ",")
end
function drop() return tostring(lm.register_sink_type("console", nil)) end
function lua_sink() return lm.register_sink_type("mine", function() end) end
`

func TestLoggingmanager(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"lm": lmModule})
	inst := tr.load(t, "lm")
	if got, _ := callGlobal(inst, "reload"); got != "nil no log files to reopen in this process" {
		t.Errorf("without a host: %q", got)
	}
	admin := &logAdmin{}
	tr.SetAdmin(admin)
	if got, _ := callGlobal(inst, "reload"); got != "true nil" || admin.reopened != 1 {
		t.Errorf("reload_logging: %q, reopened %d times", got, admin.reopened)
	}
	admin.fail = true
	if got, _ := callGlobal(inst, "reload"); got != "nil cannot open x.log" {
		t.Errorf("a failing reopen: %q", got)
	}
	for spec, want := range map[string]string{
		`"warn"`:                         "warn,extra",
		`{ min = "info" }`:               "info,warn,error,extra",
		`{ min = "info", max = "warn" }`: "info,warn,extra",
		`{ max = "warn" }`:               "warn,extra",
		`{ min = "warn", max = "warn" }`: "warn,error,extra",
		`{ "debug", "error" }`:           "debug,error,extra",
		`{ min = "error", "debug" }`:     "debug,error,extra",
	} {
		got, err := callGlobal(inst, "levels", spec)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("get_levels(%s) = %q, want %q", spec, got, want)
		}
	}
	if got, err := callGlobal(inst, "drop"); err != nil || got != "nil" {
		t.Errorf("taking the console away: %q %v", got, err)
	}
	if _, err := callGlobal(inst, "lua_sink"); err == nil || !strings.Contains(err.Error(), "mod_lm.lua:13:") || !strings.Contains(err.Error(), "a Lua sink cannot run here") {
		t.Errorf("a Lua sink: %v", err)
	}
}
