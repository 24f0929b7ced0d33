package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var pathsCases = []string{
	`local p = require "util.paths"
	local r = {}
	for _, c in ipairs({ { "/etc/prosody", "certs" }, { "/etc/prosody/", "./certs" }, { "/etc//", ".//a/b" },
		{ "/etc", "/abs/x" }, { "/", "x" }, { "rel", "././x" }, { "/etc", "" } }) do
		r[#r + 1] = tostring(p.resolve_relative_path(c[1], c[2]))
	end
	r[#r + 1] = tostring(p.resolve_relative_path("/etc", nil))
	return table.concat(r, " ")`,
	`local p = require "util.paths"
	local r = {}
	for _, g in ipairs({ "*.cfg.lua", "a?c", "x[1]-(y)%z+.^$", "plain", "", "conf.d/*" }) do
		r[#r + 1] = p.glob_to_pattern(g)
	end
	r[#r + 1] = tostring(("host.cfg.lua"):match(p.glob_to_pattern("*.cfg.lua")) ~= nil)
	r[#r + 1] = tostring(("host.cfg.luax"):match(p.glob_to_pattern("*.cfg.lua")) ~= nil)
	return table.concat(r, " ")`,
	`local p = require "util.paths"
	return p.join("a") .. " " .. p.join("a", "b") .. " " .. p.join("a", "b", "c") .. " " .. p.join("a", "b", "c", "d", "e") ..
		" " .. p.join("a", nil, "c") .. " " .. p.join("/x/", "y")`,
}

// util.paths against Prosody's own.
func TestUtilPathsProsody(t *testing.T) {
	expectCases(t, pathsCases, testenv.ProsodyLuaCases(t, pathsCases...))
}

func TestUtilPaths(t *testing.T) {
	expectCases(t, []string{
		`local p = require "util.paths"; return p.resolve_relative_path("/etc/", "./x") .. " " .. p.glob_to_pattern("*.lua") .. " " .. p.join("a", "b")`,
		`local p = require "util.paths"; local before = package.path
		p.complement_lua_path("/opt/plugins"); local once = package.path
		p.complement_lua_path("/opt/plugins")
		return tostring(once == package.path) .. " " .. once:sub(#before + 1)`,
	}, []string{
		"/etc/x ^.*%.lua$ a/b",
		"true ;/opt/plugins/share/lua/5.1/?.lua;/opt/plugins/share/lua/5.1/?/init.lua",
	})
}
