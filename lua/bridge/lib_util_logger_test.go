package bridge

import (
	"strings"
	"testing"
)

// util.logger's functions write to the module's log with their source.
func TestUtilLogger(t *testing.T) {
	rt := newTestRuntime(t, "", map[string]string{"lg": `
local logger = require "util.logger"
function run()
	local log = logger.init("c2s1a2b")
	log("info", "hello %s, %d", "world", 42)
	log("debug", "missing %s and %s", "one")
	log("bogus", "never logged")
	log("warn", "no args")
	local err = logger.make_logger("s2sout", "error")
	err("failed: %s", { })
	return tostring(logger.new == logger.make_logger)
end
`})
	inst := rt.load(t, "lg")
	if out, err := callGlobal(inst, "run"); err != nil || out != "true" {
		t.Fatalf("run: %q %v", out, err)
	}
	for _, want := range [][]string{
		{"level=info", "hello world, 42", "source=c2s1a2b", "module=lg"},
		{"level=debug", "missing one and nil", "source=c2s1a2b"},
		{"level=warning", "no args", "source=c2s1a2b"},
		{"level=error", "failed: table: ", "source=s2sout"},
	} {
		if len(rt.log.lines(want...)) != 1 {
			t.Errorf("no one log line with %q; log:\n%s", want, rt.log)
		}
	}
	if strings.Contains(rt.log.String(), "never logged") {
		t.Errorf("an unknown level logged:\n%s", rt.log)
	}
}
