package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var envloadCases = []string{
	`local e = require "util.envload"
	local env = { x = 5 }
	local f = e.envload("y = x * 2; return x, tostring", "=test", env)
	local x, ts = f()
	local g, err = e.envload("return +", "@broken.lua", {})
	return x .. " " .. env.y .. " " .. tostring(ts) .. " " .. tostring(y) .. " " .. tostring(g) .. " " .. type(err) .. " " ..
		tostring(err:find("broken.lua", 1, true) ~= nil) .. " " .. type(e.envload("return 1")) .. " " .. e.envload("return 2", "=x")()`,
	`local e = require "util.envload"
	local path = os.tmpname()
	local fh = io.open(path, "w"); fh:write("n = (n or 0) + 1; return n, print"); fh:close()
	local env = {}
	local f = e.envloadfile(path, env)
	local a = f(); local b, pr = f()
	local missing, err, errno = e.envloadfile(path .. ".missing")
	os.remove(path)
	return a .. b .. tostring(pr) .. " " .. tostring(missing) .. " " ..
		tostring(err == path .. ".missing: No such file or directory") .. " " .. tostring(errno)`,
}

// util.envload against Prosody's own.
func TestUtilEnvloadProsody(t *testing.T) {
	expectCases(t, envloadCases, testenv.ProsodyLuaCases(t, envloadCases...))
}

// Known answers; and without env a chunk sees the module's globals, as
// in Prosody on Lua 5.1 (on 5.2+ Prosody's envloadfile gives it none).
func TestUtilEnvload(t *testing.T) {
	expectCases(t, []string{envloadCases[0], `local e = require "util.envload"
	local path = os.tmpname()
	local fh = io.open(path, "w"); fh:write("seen = tostring ~= nil"); fh:close()
	e.envloadfile(path)(); e.envload("seen2 = true")()
	os.remove(path)
	return tostring(seen) .. tostring(seen2)`}, []string{"5 10 nil nil nil string true function 2", "truetrue"})
}
